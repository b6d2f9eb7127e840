namespace LvmCloud.Worker;

/// <summary>Settings of one queue that differ from the worker's defaults (null: the default).</summary>
public sealed record QueueOverrides
{
    public int? Concurrency { get; init; }
    public TimeSpan? VisibilityTimeout { get; init; }
    public int? MaxDequeueCount { get; init; }
    public TimeSpan? RetryDelay { get; init; }
    public int? ReceiveBatch { get; init; }
}
