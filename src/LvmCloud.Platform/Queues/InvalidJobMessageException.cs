namespace LvmCloud.Platform.Queues;

/// <summary>
/// A job that can never succeed, however often it is retried: the worker fails its work at once with the
/// message as the reason and moves the queue message to the <c>-poison</c> queue on its first delivery
/// (a model that does not exist, a corrupt checkpoint, a payload that does not validate).
/// </summary>
public class PermanentJobException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The queue message is not a job this worker can read: bad JSON, an unknown kind or schema version, or an invalid payload.</summary>
public sealed class InvalidJobMessageException(string message) : PermanentJobException(message);
