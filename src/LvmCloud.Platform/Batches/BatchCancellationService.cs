using LvmCloud.Platform.State;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// Cancels a batch: items not yet started become <c>cancelled</c>, running ones finish, and the batch ends
/// <c>cancelled</c> (closed here when nothing runs, else by the worker that finishes the last item).
/// </summary>
public sealed class BatchCancellationService(
    JobStateStore state,
    BatchQueryService query,
    BatchFinalizer finalizer,
    ILogger<BatchCancellationService> logger)
{
    private const int MaxAttempts = 10;

    public async Task<BatchStatus> CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await query.RequireBatchAsync(batchId, cancellationToken);
        if (BatchStates.IsTerminal(batch.State))
            return await query.GetStatusAsync(batchId, cancellationToken);

        for (var attempt = 0; !batch.CancelRequested; attempt++)
        {
            batch.CancelRequested = true;
            if (await state.TryUpdateBatchAsync(batch, cancellationToken))
                break;
            if (attempt == MaxAttempts)
                throw new ConflictException($"Batch {batchId} kept changing; cancel was not recorded, try again.");
            batch = await query.RequireBatchAsync(batchId, cancellationToken);
        }

        var cancelled = await CancelQueuedItemsAsync(state, batchId, null, cancellationToken);
        logger.LogInformation("Batch {BatchId}: cancel requested, {Cancelled} queued items cancelled", batchId, cancelled);
        await finalizer.TryFinalizeAsync(batchId, cancellationToken);
        return await query.GetStatusAsync(batchId, cancellationToken);
    }

    /// <summary>Marks queued items cancelled with conditional writes (an item a worker just started is left to finish).</summary>
    public static async Task<int> CancelQueuedItemsAsync(JobStateStore state, string batchId, IReadOnlyCollection<string>? only, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var item in await state.GetItemsAsync(batchId, cancellationToken))
        {
            if (item.State != ItemStates.Queued || (only is not null && !only.Contains(item.ItemId)))
                continue;
            item.State = ItemStates.Cancelled;
            item.ErrorCode = "cancelled";
            item.Error = "Cancelled before it started.";
            item.FinishedAt = DateTimeOffset.UtcNow;
            if (await state.TryUpdateItemAsync(item, cancellationToken))
                count++;
        }
        return count;
    }
}
