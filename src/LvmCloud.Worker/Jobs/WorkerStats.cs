namespace LvmCloud.Worker.Jobs;

/// <summary>Counts of what this worker process did (for logs, the items/s gauge, and checks).</summary>
public sealed class WorkerStats
{
    private long _messages, _succeeded, _failed, _skipped, _poisoned, _failedForGood, _resultsWritten, _renewals, _retried, _handedBack, _shards, _images, _runsClosed, _generationBatches, _generationRows;

    public long MessagesCompleted => Interlocked.Read(ref _messages);
    public long ItemsSucceeded => Interlocked.Read(ref _succeeded);
    public long ItemsFailed => Interlocked.Read(ref _failed);
    public long ItemsSkipped => Interlocked.Read(ref _skipped);
    public long MessagesPoisoned => Interlocked.Read(ref _poisoned);

    /// <summary>Messages of jobs that failed for good (a permanent error): their work failed on its row, the message deleted.</summary>
    public long MessagesFailed => Interlocked.Read(ref _failedForGood);
    public long ResultsWritten => Interlocked.Read(ref _resultsWritten);
    public long VisibilityRenewals => Interlocked.Read(ref _renewals);
    public long MessagesRetried => Interlocked.Read(ref _retried);
    public long MessagesHandedBack => Interlocked.Read(ref _handedBack);
    public long ShardsWritten => Interlocked.Read(ref _shards);
    public long ImagesTokenized => Interlocked.Read(ref _images);
    public long TokenizeRunsClosed => Interlocked.Read(ref _runsClosed);

    /// <summary>Model calls of the <c>generate</c> handler (one per generation batch, however many messages it gathered).</summary>
    public long GenerationBatches => Interlocked.Read(ref _generationBatches);

    /// <summary>Rows (items × candidates) over all generation batches.</summary>
    public long GenerationBatchRows => Interlocked.Read(ref _generationRows);

    internal void MessageCompleted() => Interlocked.Increment(ref _messages);
    internal void ItemSucceeded() => Interlocked.Increment(ref _succeeded);
    internal void ItemFailed() => Interlocked.Increment(ref _failed);
    internal void ItemSkipped() => Interlocked.Increment(ref _skipped);
    internal void MessagePoisoned() => Interlocked.Increment(ref _poisoned);
    internal void MessageFailed() => Interlocked.Increment(ref _failedForGood);
    internal void ResultsWrittenOnce() => Interlocked.Increment(ref _resultsWritten);
    internal void VisibilityRenewed() => Interlocked.Increment(ref _renewals);
    internal void MessageRetried() => Interlocked.Increment(ref _retried);
    internal void MessageHandedBack() => Interlocked.Increment(ref _handedBack);
    internal void ShardWritten(long images)
    {
        Interlocked.Increment(ref _shards);
        Interlocked.Add(ref _images, images);
    }
    internal void TokenizeRunClosed() => Interlocked.Increment(ref _runsClosed);
    internal void GenerationBatchRan(long rows)
    {
        Interlocked.Increment(ref _generationBatches);
        Interlocked.Add(ref _generationRows, rows);
    }
}
