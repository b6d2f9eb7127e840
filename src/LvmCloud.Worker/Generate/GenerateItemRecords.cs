using System.Diagnostics;
using System.Text.Json;
using LvmCloud.Core.Results;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Telemetry;
using LvmCloud.Vision.Batches;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// The item rows of a <c>generate</c> message: claimed running before the model runs, and each item's end recorded with
/// its result record after it, each in one conditional transaction with the batch's counts (so a duplicate delivery or
/// a racing worker skips what another has claimed or finished), with the item metrics and worker counters.
/// </summary>
public sealed class GenerateItemRecords(JobStateStore state, WorkerStats stats, TimeProvider time, ILogger<GenerateJobHandler> logger)
{
    /// <summary>
    /// Marks the message's open items running (attempts, job, start, queue wait) in one conditional transaction with
    /// the batch's counts; the items this delivery won, and the batch row as written.
    /// </summary>
    public async Task<(List<ItemEntity> Claimed, BatchEntity? Batch)> ClaimAsync(JobContext<GeneratePayload> job, List<ItemEntity> open, CancellationToken cancellationToken)
    {
        if (open.Count == 0)
            return ([], null);
        var now = time.GetUtcNow();
        var changes = new List<ItemChange>();
        foreach (var item in open)
        {
            var from = item.State;
            item.State = ItemStates.Running;
            item.Attempts++;
            item.JobId = job.JobId;
            item.StartedAt = now;
            item.QueueWaitMs = Math.Max(0, (now - job.Envelope.EnqueuedAt).TotalMilliseconds);
            changes.Add(new ItemChange(item, from));
        }
        var result = await state.TransitionItemsAsync(job.Payload.BatchId, changes, cancellationToken);
        var rerun = changes.Where(c => c.FromState == ItemStates.Running && result.Written.Contains(c.Item)).Select(c => c.Item.ItemId).ToList();
        if (rerun.Count > 0)
            logger.LogWarning("Job {JobId}: {Count} items left running by an earlier delivery are run again: {Items}", job.JobId, rerun.Count, string.Join(", ", rerun));
        foreach (var item in result.Written)
            PlatformTelemetry.QueueWait.Record(item.QueueWaitMs ?? 0);
        return (result.Written.ToList(), result.Batch);
    }

    /// <summary>Records every item's end (its result record, with the batch's counts) in one transaction.</summary>
    public async Task<(BatchEntity? Batch, int Succeeded, int Failed)> FinishAsync(
        string batchId, List<(ItemEntity Item, ItemRun Run)> runs, long startedTimestamp, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
        var changes = new List<ItemChange>();
        foreach (var (item, run) in runs)
        {
            var record = run.Record;
            item.State = record.Status == ResultStatus.Succeeded ? ItemStates.Succeeded : ItemStates.Failed;
            item.ErrorCode = record.ErrorCode;
            item.Error = record.Error;
            item.ResultJson = ResultsJsonl.Serialize(record);
            item.OutputsJson = JsonSerializer.Serialize(record.Outputs.Select(Path.GetFileName));
            item.FinishedAt = now;
            item.TotalMs = elapsed.TotalMilliseconds;
            item.ModelMs = run.ModelMs;
            item.Perplexity = record.Perplexity;
            item.TokensGenerated = run.TokensGenerated;
            changes.Add(new ItemChange(item, ItemStates.Running));
        }

        var result = await state.TransitionItemsAsync(batchId, changes, cancellationToken);
        foreach (var item in result.Lost)
        {
            logger.LogWarning("Item {ItemId} of batch {BatchId} changed while it ran (another delivery finished it); this run's record is dropped", item.ItemId, batchId);
            stats.ItemSkipped();
        }
        var (succeeded, failed) = (0, 0);
        foreach (var item in result.Written)
        {
            PlatformTelemetry.ItemDuration.Record(item.TotalMs ?? 0);
            PlatformTelemetry.ItemsCompleted.Add(1, new KeyValuePair<string, object?>("status", item.State));
            if (item.TokensGenerated > 0)
                PlatformTelemetry.TokensGenerated.Add(item.TokensGenerated.Value);
            if (item.State == ItemStates.Succeeded)
            {
                succeeded++;
                stats.ItemSucceeded();
            }
            else
            {
                failed++;
                stats.ItemFailed();
                PlatformTelemetry.ItemsFailed.Add(1, new KeyValuePair<string, object?>("reason", "item"));
            }
        }
        return (result.Batch, succeeded, failed);
    }
}
