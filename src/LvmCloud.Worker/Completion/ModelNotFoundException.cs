using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Completion;

/// <summary>The model a message names exists neither locally nor in the <c>models</c> container (permanent: retrying will not make it appear).</summary>
public sealed class ModelNotFoundException(string message) : PermanentJobException(message);
