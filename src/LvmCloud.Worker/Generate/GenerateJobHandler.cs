using System.Diagnostics;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Results;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// The <c>generate</c> job: claims the message's unfinished items (one conditional transaction with the batch's
/// counts, so a duplicate delivery or a racing worker skips them), runs them through the completer as one batch,
/// writes outputs under deterministic names, records every item's end in one more transaction, then closes the
/// batch if this was its last work. Finished items are skipped, so a redelivered message for finished work is a
/// no-op. Storage work per message is constant: a query for its items, a batch-row read per transaction, two
/// transactions, the input and output blobs.
/// </summary>
public sealed class GenerateJobHandler(
    StorageClients clients,
    JobStateStore state,
    BatchFinalizer finalizer,
    IBatchItemCompleter completer,
    WorkerStats stats,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<GenerateJobHandler> logger) : IJobHandler<GeneratePayload>
{
    public async Task<JobResult> HandleAsync(JobContext<GeneratePayload> job)
    {
        var (batchId, cancellation) = (job.Payload.BatchId, job.Cancellation);
        var batch = await state.GetBatchAsync(batchId, cancellation)
            ?? throw new PermanentJobException($"Batch {batchId} named by job {job.JobId} has no state row.");
        var items = await state.GetItemsAsync(batchId, job.Payload.ItemIds, cancellation);
        foreach (var missing in job.Payload.ItemIds.Except(items.Select(i => i.ItemId), StringComparer.Ordinal))
            logger.LogWarning("Job {JobId}: item {ItemId} of batch {BatchId} has no state row; skipped", job.JobId, missing, batchId);

        var open = items.Where(i => !ItemStates.IsTerminal(i.State)).ToList();
        var skipped = items.Count - open.Count;
        var cancelled = 0;
        if (batch.CancelRequested)
        {
            cancelled = await BatchCancellationService.CancelQueuedItemsAsync(state, batchId, open, cancellation);
            open = open.Where(i => i.State == ItemStates.Running).ToList(); // left running by an earlier delivery: finish them
        }

        var (claimed, known) = await ClaimAsync(job, open, cancellation);
        skipped += open.Count - claimed.Count;
        for (var i = 0; i < skipped; i++)
            stats.ItemSkipped();

        var (succeeded, failed) = (0, 0);
        if (claimed.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            var finished = new List<(ItemEntity Item, WorkItemOutput? Output, string? Error)>();
            var (inputs, unreadable) = await LoadInputsAsync(batchId, claimed, cancellation);
            finished.AddRange(unreadable.Select(u => (u.Item, (WorkItemOutput?)null, (string?)u.Reason)));
            if (inputs.Count > 0)
            {
                var outputs = await completer.CompleteAsync(inputs.Select(i => i.Input).ToList(), job.Payload.Model, cancellation);
                var byId = outputs.ToDictionary(o => o.ItemId, StringComparer.Ordinal);
                foreach (var (item, _) in inputs)
                    finished.Add(byId.TryGetValue(item.ItemId, out var output)
                        ? (item, output, output.Error)
                        : (item, null, "The model pipeline returned no output for this item."));
            }
            (known, succeeded, failed) = await FinishAsync(batchId, finished, started, cancellation);
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
            item.LastError = JobFailures.Describe(error);
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

    private async Task<(List<ItemEntity> Claimed, BatchEntity? Batch)> ClaimAsync(JobContext<GeneratePayload> job, List<ItemEntity> open, CancellationToken cancellationToken)
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

    private async Task<(List<(ItemEntity Item, WorkItemInput Input)> Ready, List<(ItemEntity Item, string Reason)> Unreadable)> LoadInputsAsync(
        string batchId, IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        var ready = new List<(ItemEntity, WorkItemInput)>();
        var unreadable = new List<(ItemEntity, string)>();
        foreach (var item in items)
        {
            Core.Manifests.BatchItem? parsed = null;
            string? reason = null;
            try
            {
                parsed = item.ItemJson is null ? null : ItemJson.Read(item.ItemJson);
            }
            catch (JsonException e)
            {
                reason = $"The item's stored manifest line cannot be read: {e.Message}";
            }
            if (parsed is null)
            {
                unreadable.Add((item, reason ?? "The item has no stored manifest line."));
                continue;
            }

            var inputs = new List<InputImage>();
            var targets = new List<InputImage>();
            foreach (var (path, into) in parsed.Input.Select(p => (p, inputs)).Concat(parsed.Target.Select(p => (p, targets))))
            {
                (var image, reason) = await DownloadInputAsync(batchId, path, cancellationToken);
                if (image is null)
                    break;
                into.Add(image);
            }

            if (reason is null)
                ready.Add((item, new WorkItemInput(batchId, parsed with { Id = item.ItemId }, inputs, targets)));
            else
                unreadable.Add((item, reason));
        }
        return (ready, unreadable);
    }

    /// <summary>An input or target image's bytes, or why it cannot be used (missing, over the byte limit).</summary>
    private async Task<(InputImage? Image, string? Reason)> DownloadInputAsync(string batchId, string path, CancellationToken cancellationToken)
    {
        var blob = clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, path));
        try
        {
            var download = await blob.DownloadContentAsync(cancellationToken);
            var bytes = download.Value.Content.ToMemory();
            return bytes.Length > options.Value.MaxInputBytes
                ? (null, $"Input image '{path}' is {bytes.Length} bytes, more than the limit of {options.Value.MaxInputBytes}.")
                : (new InputImage(path, bytes), null);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, $"Input image '{path}' does not exist under inputs/.");
        }
    }

    /// <summary>Writes each item's outputs, then records every item's end (with the batch's counts) in one transaction.</summary>
    private async Task<(BatchEntity? Batch, int Succeeded, int Failed)> FinishAsync(
        string batchId, List<(ItemEntity Item, WorkItemOutput? Output, string? Error)> finished, long startedTimestamp, CancellationToken cancellationToken)
    {
        var changes = new List<ItemChange>();
        foreach (var (item, output, given) in finished)
        {
            var error = given;
            var outputs = new List<string>();
            if (error is null && output is not null)
            {
                foreach (var file in output.Files)
                {
                    if (!Identifiers.IsValidOutputFileName(file.Name))
                    {
                        error = $"The model pipeline produced an output named '{file.Name}', which is not a valid file name.";
                        break;
                    }
                    await clients.Results.GetBlobClient(StorageLayout.OutputPath(batchId, item.ItemId, file.Name)).UploadAsync(
                        BinaryData.FromBytes(file.Png),
                        new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/png" } },
                        cancellationToken);
                    outputs.Add(file.Name);
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(startedTimestamp);
            item.State = error is null ? ItemStates.Succeeded : ItemStates.Failed;
            item.ErrorCode = error is null ? null : output is null ? "input-error" : "model-error";
            item.Error = error;
            item.OutputsJson = JsonSerializer.Serialize(outputs);
            item.FinishedAt = time.GetUtcNow();
            item.TotalMs = elapsed.TotalMilliseconds;
            item.ModelMs = output?.ModelTime.TotalMilliseconds;
            item.Perplexity = output?.Perplexity;
            item.TokensGenerated = output?.TokensGenerated;
            if (error is null)
            {
                await clients.Results.GetBlobClient(StorageLayout.ItemResultPath(batchId, item.ItemId)).UploadAsync(
                    BinaryData.FromString(ResultsJsonl.Serialize(ResultLine.From(item))),
                    new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                    cancellationToken);
            }
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
            var output = finished.First(f => f.Item == item).Output;
            PlatformTelemetry.ItemDuration.Record(item.TotalMs ?? 0);
            PlatformTelemetry.ItemsCompleted.Add(1, new KeyValuePair<string, object?>("status", item.State));
            if (output?.TokensGenerated > 0)
                PlatformTelemetry.TokensGenerated.Add(output.TokensGenerated);
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
