using LvmCloud.Platform.State.Lifecycles;

namespace LvmCloud.Platform.State;

/// <summary>
/// Which changes of a batch's state exist and who makes them. <c>finished</c> is the completed state: every item ran
/// (or failed), including a batch whose cancel came after every item had started; <c>cancelled</c> means the cancel
/// stopped at least one item (or came before the manifest).
/// </summary>
public static class BatchLifecycle
{
    public static readonly Lifecycle Table = new("batch",
        [BatchStates.AwaitingUpload, BatchStates.Planning, BatchStates.Queued, BatchStates.Running, BatchStates.Finalizing, BatchStates.Finished, BatchStates.Cancelled],
        [
            new(BatchStates.AwaitingUpload, BatchStates.Planning, "intake: the manifest was uploaded"),
            new(BatchStates.AwaitingUpload, BatchStates.Finalizing, "finalizer: cancelled before its manifest arrived"),
            new(BatchStates.Planning, BatchStates.Queued, "intake: items recorded and enqueued"),
            new(BatchStates.Planning, BatchStates.Running, "intake: items recorded and enqueued, and a worker already started one"),
            new(BatchStates.Queued, BatchStates.Running, "worker: the first item started"),
            new(BatchStates.Queued, BatchStates.Finalizing, "finalizer: every item is done (failed at intake, or cancelled)"),
            new(BatchStates.Running, BatchStates.Finalizing, "finalizer: every item is done"),
            new(BatchStates.Finalizing, BatchStates.Finished, "finalizer: results written"),
            new(BatchStates.Finalizing, BatchStates.Cancelled, "finalizer: results written; the cancel stopped items"),
        ]);

    /// <summary>Moves the batch row to <paramref name="to"/>; throws <see cref="IllegalTransitionException"/> if that change is not allowed.</summary>
    public static void Move(BatchEntity batch, string to) => Table.Move(batch, to);

    /// <summary>
    /// How a closed batch ends: <c>cancelled</c> when its cancel stopped an item or came before there were items;
    /// otherwise <c>finished</c> (a cancel that came after every item had started is too late to change the outcome).
    /// </summary>
    public static string ClosedState(BatchEntity batch) =>
        batch.CancelRequested && (batch.ItemsCancelled > 0 || batch.TotalItems == 0) ? BatchStates.Cancelled : BatchStates.Finished;
}
