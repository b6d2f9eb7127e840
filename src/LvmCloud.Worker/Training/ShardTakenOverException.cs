namespace LvmCloud.Worker.Training;

/// <summary>Another delivery took the shard over (this one's heartbeat lapsed): stop, its owner carries on.</summary>
public sealed class ShardTakenOverException(string message) : Exception(message);
