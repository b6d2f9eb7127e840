using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// Cancels a batch: items not yet started become <c>cancelled</c>, running ones finish, and the batch ends
/// <c>cancelled</c> (closed here when nothing runs, else by the worker that finishes the last item).
/// </summary>
public sealed class BatchCancellationService(
    JobStateStore state,
    BatchQueryService query,
    BatchFinalizer finalizer,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<BatchCancellationService> logger)
{
    private readonly ResiliencePipeline _conflicts = pipelines.GetPipeline(PlatformResilience.StateConflict);

    /// <summary>
    /// Records the cancel and cancels the queued items; answers the batch's summary (state, counts, times), not its
    /// items: <c>GET /api/batches/{batchId}</c> pages through those.
    /// </summary>
    public async Task<BatchSummary> CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await query.RequireBatchAsync(batchId, cancellationToken);
        if (BatchStates.IsTerminal(batch.State))
            return SayIfTooLate(BatchSummary.From(batch), 0);

        await _conflicts.ExecuteAsync(async ct =>
        {
            var current = await query.RequireBatchAsync(batchId, ct);
            if (current.CancelRequested || BatchStates.IsTerminal(current.State))
                return;
            current.CancelRequested = true;
            if (!await state.TryUpdateBatchAsync(current, ct))
                throw new ConcurrencyConflictException($"Batch {batchId} changed while its cancel was recorded.");
        }, cancellationToken);

        var cancelled = await CancelQueuedItemsAsync(state, batchId, await state.GetItemsAsync(batchId, cancellationToken), cancellationToken);
        logger.LogInformation("Batch {BatchId}: cancel requested, {Cancelled} queued items cancelled", batchId, cancelled);
        await finalizer.TryFinalizeAsync(batchId, cancellationToken);
        return SayIfTooLate(BatchSummary.From(await query.RequireBatchAsync(batchId, cancellationToken)), cancelled);
    }

    /// <summary>A cancel that stopped no item leaves the batch to complete as it runs (<see cref="BatchLifecycle.ClosedState"/>): the answer says so.</summary>
    private static BatchSummary SayIfTooLate(BatchSummary status, int cancelled) =>
        cancelled == 0 && status.State != BatchStates.Cancelled
            ? status with { Note = "The cancel came too late: every item had already started, so none was cancelled and the batch completes as it runs." }
            : status;

    /// <summary>
    /// Marks the queued ones of <paramref name="items"/> cancelled, with the batch's counts, in conditional
    /// transactions (an item a worker just started is left to finish). Returns how many were cancelled.
    /// </summary>
    public static async Task<int> CancelQueuedItemsAsync(JobStateStore state, string batchId, IEnumerable<ItemEntity> items, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var changes = new List<ItemChange>();
        foreach (var item in items.Where(i => i.State == ItemStates.Queued))
        {
            var from = item.State;
            item.State = ItemStates.Cancelled;
            item.ErrorCode = "cancelled";
            item.Error = "Cancelled before it started.";
            item.FinishedAt = now;
            changes.Add(new ItemChange(item, from));
        }
        if (changes.Count == 0)
            return 0;
        return (await state.TransitionItemsAsync(batchId, changes, cancellationToken)).Written.Count;
    }
}
