namespace LvmCloud.Platform.Queues;

/// <summary>
/// A job that can never succeed, however often it is retried: the worker fails its work at once with the
/// message as the reason and moves the queue message to the <c>-poison</c> queue on its first delivery
/// (a model that does not exist, a corrupt checkpoint, a payload that does not validate).
/// </summary>
public class PermanentJobException(string message, Exception? inner = null) : Exception(message, inner);
