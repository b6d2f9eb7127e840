namespace LvmCloud.Platform.Queues;

/// <summary>The queue message is not a job this worker can read: bad JSON, an unknown kind or schema version, or an invalid payload.</summary>
public sealed class InvalidJobMessageException(string message) : PermanentJobException(message);
