namespace LvmCloud.Worker;

/// <summary>The settings a queue is consumed with.</summary>
/// <param name="ReceiveBatch">Messages one receive asks for; a loop holds up to this many at once.</param>
public sealed record QueueSettings(int Concurrency, TimeSpan VisibilityTimeout, int MaxDequeueCount, TimeSpan RetryDelay, int ReceiveBatch);
