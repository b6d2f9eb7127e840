using System.Diagnostics;
using System.Text.Json;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Results;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using LvmCloud.Vision.Batches;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// The <c>generate</c> job: claims the message's unfinished items (one conditional transaction with the batch's
/// counts, so a duplicate delivery or a racing worker skips them), runs them through <see cref="GenerationBatcher"/>
/// (the item runner <c>lvm complete</c> runs: inputs from <c>batches/{batchId}/inputs/</c>, frames, contact sheets
/// and <c>result.json</c> to <c>results/{batchId}/items/{id}/</c>; the model call shared with the items of other
/// messages in the worker at the same time), records every item's end with its result record in one more
/// transaction, then closes the batch if this was its last work. Finished items are skipped, so a redelivered
/// message for finished work is a no-op. Storage work per message is constant: a query for its items, a batch-row
/// read per transaction, two transactions, the input and output blobs; gathering adds none.
/// </summary>
public sealed class GenerateJobHandler(
    StorageClients clients,
    JobStateStore state,
    BatchFinalizer finalizer,
    IModelSource models,
    GenerationBatcher batcher,
    GenerateItemRecords records,
    WorkerStats stats,
    TimeProvider time,
    ILogger<GenerateJobHandler> logger) : IJobHandler<GeneratePayload>
{
    public async Task<JobResult> HandleAsync(JobContext<GeneratePayload> job)
    {
        var (batchId, cancellation) = (job.Payload.BatchId, job.Cancellation);
        BatchEntity? known;
        int skipped, cancelled, succeeded = 0, failed = 0;
        // Announced before the storage work, so that a generation batch gathering now waits for this message's items.
        using (var seat = batcher.Announce(job.Payload.Model))
        {
            var batch = await state.GetBatchAsync(batchId, cancellation)
                ?? throw new PermanentJobException($"Batch {batchId} named by job {job.JobId} has no state row.");
            var items = await state.GetItemsAsync(batchId, job.Payload.ItemIds, cancellation);
            foreach (var missing in job.Payload.ItemIds.Except(items.Select(i => i.ItemId), StringComparer.Ordinal))
                logger.LogWarning("Job {JobId}: item {ItemId} of batch {BatchId} has no state row; skipped", job.JobId, missing, batchId);

            var open = items.Where(i => !ItemStates.IsTerminal(i.State)).ToList();
            skipped = items.Count - open.Count;
            cancelled = 0;
            if (batch.CancelRequested)
            {
                cancelled = await BatchCancellationService.CancelQueuedItemsAsync(state, batchId, open, cancellation);
                open = open.Where(i => i.State == ItemStates.Running).ToList(); // left running by an earlier delivery: finish them
            }

            List<ItemEntity> claimed;
            (claimed, known) = await records.ClaimAsync(job, open, cancellation);
            skipped += open.Count - claimed.Count;
            for (var i = 0; i < skipped; i++)
                stats.ItemSkipped();

            if (claimed.Count > 0)
            {
                var started = Stopwatch.GetTimestamp();
                var runs = new List<(ItemEntity Item, ItemRun Run)>();
                var runnable = new List<(ItemEntity Item, BatchItem Parsed)>();
                foreach (var item in claimed)
                {
                    if (Parse(item) is { } parsed)
                        runnable.Add((item, parsed));
                    else
                        runs.Add((item, new ItemRun(ResultRecord.Failed(item.ItemId, "input-error", UnreadableReason(item), item.Seed), 0, 0)));
                }
                if (runnable.Count > 0)
                {
                    IFrameCompleter? completer = null;
                    try
                    {
                        completer = await models.OpenAsync(job.Payload.Model, cancellation);
                    }
                    catch (ModelDoesNotFitJobException e)
                    {
                        // Known before loading: these items fail for good with the plan's numbers, on this first delivery.
                        runs.AddRange(runnable.Select(r => (r.Item, new ItemRun(ResultRecord.Failed(r.Item.ItemId, e.Code, e.Message, r.Item.Seed), 0, 0))));
                    }
                    if (completer is not null)
                    {
                        var done = await batcher.RunAsync(
                            seat,
                            completer,
                            runnable.Select(r => r.Parsed).ToList(),
                            new BlobStore(clients.Batches, StorageLayout.InputPath(batchId, "")),
                            new BlobStore(clients.Results, StorageLayout.BatchPrefix(batchId)),
                            cancellation);
                        runs.AddRange(runnable.Zip(done, (r, run) => (r.Item, run)));
                    }
                }
                (known, succeeded, failed) = await records.FinishAsync(batchId, runs, started, cancellation);
            }
        }

        // Not tied to the message's lease: closing the batch is batch-level work, and stopping half-way would leave
        // it finalizing until the claim lapses. It waits out another worker's live claim, so the message is only
        // deleted once the batch is closed.
        if (await finalizer.FinalizeAsync(batchId, job.Stopping, known))
            stats.ResultsWrittenOnce();
        return new JobResult($"{succeeded} succeeded, {failed} failed, {skipped} skipped{(cancelled > 0 ? $", {cancelled} cancelled" : "")}");
    }

    /// <summary>The error of a failed attempt, on the items it left unfinished (the status shows it while the job is retried).</summary>
    public async Task OnAttemptFailedAsync(JobContext<GeneratePayload> job, Exception error)
    {
        foreach (var item in await state.GetItemsAsync(job.Payload.BatchId, job.Payload.ItemIds, job.Stopping))
        {
            if (ItemStates.IsTerminal(item.State))
                continue;
            item.LastError = JobFailures.ForUser(error);
            await state.TryUpdateItemAsync(item, job.Stopping);
        }
    }

    /// <summary>Fails every unfinished item of the message with <paramref name="reason"/>, then closes the batch if that was its last work.</summary>
    public async Task OnPoisonAsync(JobContext<GeneratePayload> job, string reason)
    {
        var now = time.GetUtcNow();
        var changes = new List<ItemChange>();
        foreach (var item in await state.GetItemsAsync(job.Payload.BatchId, job.Payload.ItemIds, job.Stopping))
        {
            if (ItemStates.IsTerminal(item.State))
                continue;
            var from = item.State;
            item.State = ItemStates.Failed;
            item.ErrorCode = "poison";
            item.Error = reason;
            item.FinishedAt = now;
            changes.Add(new ItemChange(item, from));
        }
        BatchEntity? known = null;
        if (changes.Count > 0)
        {
            var result = await state.TransitionItemsAsync(job.Payload.BatchId, changes, job.Stopping);
            known = result.Batch;
            foreach (var _ in result.Written)
            {
                stats.ItemFailed();
                PlatformTelemetry.ItemsFailed.Add(1, new KeyValuePair<string, object?>("reason", "poison"));
            }
        }
        if (await finalizer.FinalizeAsync(job.Payload.BatchId, job.Stopping, known))
            stats.ResultsWrittenOnce();
    }

    /// <summary>The item's manifest line as intake stored it, with its id; null when it is missing or unreadable.</summary>
    private static BatchItem? Parse(ItemEntity item) => ItemJson.TryRead(item.ItemJson) is { } parsed ? parsed with { Id = item.ItemId } : null;

    private static string UnreadableReason(ItemEntity item) =>
        item.ItemJson is null ? "The item has no stored manifest line." : "The item's stored manifest line cannot be read.";
}
