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
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Processing;

/// <summary>
/// Runs one <c>generate</c> message: claims its unfinished items (conditional writes, so a duplicate delivery
/// or a racing worker skips them), runs them through the completer as one batch, writes outputs under
/// deterministic names and records each item's end with a conditional write; <see cref="FinalizeBatchAsync"/>
/// then closes the batch if this was its last item. Finished items are skipped, so a redelivered message for
/// finished work is a no-op.
/// </summary>
public sealed class GenerateJobProcessor(
    StorageClients clients,
    JobStateStore state,
    BatchFinalizer finalizer,
    IBatchItemCompleter completer,
    WorkerStats stats,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<GenerateJobProcessor> logger)
{
    public async Task ProcessAsync(JobMessage job, CancellationToken cancellationToken)
    {
        var batch = await state.GetBatchAsync(job.BatchId, cancellationToken)
            ?? throw new InvalidOperationException($"Batch {job.BatchId} named by job {job.JobId} has no state row.");
        if (batch.CancelRequested)
            await BatchCancellationService.CancelQueuedItemsAsync(state, job.BatchId, job.ItemIds.ToHashSet(), cancellationToken);

        var claimed = await ClaimAsync(job, cancellationToken);
        if (claimed.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            var (inputs, unreadable) = await LoadInputsAsync(job.BatchId, claimed, cancellationToken);
            foreach (var (item, reason) in unreadable)
                await FinishAsync(item, null, reason, started, cancellationToken);

            if (inputs.Count > 0)
            {
                var outputs = await completer.CompleteAsync(inputs.Select(i => i.Input).ToList(), job.Model, cancellationToken);
                var byId = outputs.ToDictionary(o => o.ItemId, StringComparer.Ordinal);
                foreach (var (item, _) in inputs)
                {
                    if (!byId.TryGetValue(item.ItemId, out var output))
                        await FinishAsync(item, null, "The model pipeline returned no output for this item.", started, cancellationToken);
                    else
                        await FinishAsync(item, output, output.Error, started, cancellationToken);
                }
            }
        }
    }

    /// <summary>
    /// Closes the message's batch if its items are all done. Called after every message, finished or skipped,
    /// so a redelivery closes a batch whose finalization failed; it waits out another worker's live claim (and
    /// takes the claim over if it lapses), so the message is only deleted once the batch is closed.
    /// </summary>
    public async Task FinalizeBatchAsync(JobMessage job, CancellationToken cancellationToken)
    {
        if (await finalizer.FinalizeAsync(job.BatchId, cancellationToken))
            stats.ResultsWrittenOnce();
    }

    /// <summary>Marks every unfinished item of the message failed with <paramref name="error"/> (poison path).</summary>
    public async Task FailItemsAsync(JobMessage job, string error, CancellationToken cancellationToken)
    {
        foreach (var itemId in job.ItemIds)
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var item = await state.GetItemAsync(job.BatchId, itemId, cancellationToken);
                if (item is null || ItemStates.IsTerminal(item.State))
                    break;
                item.State = ItemStates.Failed;
                item.ErrorCode = "poison";
                item.Error = item.LastError is { } last ? $"{error} Last error: {last}" : error;
                item.FinishedAt = time.GetUtcNow();
                if (await state.TryUpdateItemAsync(item, cancellationToken))
                {
                    stats.ItemFailed();
                    PlatformTelemetry.ItemsFailed.Add(1, new KeyValuePair<string, object?>("reason", "poison"));
                    break;
                }
            }
        }

        await FinalizeBatchAsync(job, cancellationToken);
    }

    /// <summary>Records the failure of an attempt on the message's unfinished items, for the poison path to report.</summary>
    public async Task RecordAttemptErrorAsync(JobMessage job, string error, CancellationToken cancellationToken)
    {
        foreach (var itemId in job.ItemIds)
        {
            var item = await state.GetItemAsync(job.BatchId, itemId, cancellationToken);
            if (item is null || ItemStates.IsTerminal(item.State))
                continue;
            item.LastError = error;
            await state.TryUpdateItemAsync(item, cancellationToken);
        }
    }

    private async Task<List<ItemEntity>> ClaimAsync(JobMessage job, CancellationToken cancellationToken)
    {
        var claimed = new List<ItemEntity>();
        foreach (var itemId in job.ItemIds)
        {
            var item = await state.GetItemAsync(job.BatchId, itemId, cancellationToken);
            if (item is null)
            {
                logger.LogWarning("Job {JobId}: item {ItemId} of batch {BatchId} has no state row; skipped", job.JobId, itemId, job.BatchId);
                continue;
            }
            if (ItemStates.IsTerminal(item.State))
            {
                stats.ItemSkipped();
                continue;
            }

            var now = time.GetUtcNow();
            item.State = ItemStates.Running;
            item.Attempts++;
            item.JobId = job.JobId;
            item.StartedAt = now;
            item.QueueWaitMs = Math.Max(0, (now - job.EnqueuedAt).TotalMilliseconds);
            if (await state.TryUpdateItemAsync(item, cancellationToken))
            {
                claimed.Add(item);
                PlatformTelemetry.QueueWait.Record(item.QueueWaitMs.Value);
            }
            else
            {
                stats.ItemSkipped(); // cancelled or claimed by another delivery in the meantime
            }
        }
        return claimed;
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

    private async Task FinishAsync(ItemEntity item, WorkItemOutput? output, string? error, long startedTimestamp, CancellationToken cancellationToken)
    {
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
                await clients.Results.GetBlobClient(StorageLayout.OutputPath(item.PartitionKey, item.ItemId, file.Name)).UploadAsync(
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
            await clients.Results.GetBlobClient(StorageLayout.ItemResultPath(item.PartitionKey, item.ItemId)).UploadAsync(
                BinaryData.FromString(ResultsJsonl.Serialize(ResultLine.From(item))),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                cancellationToken);
        }

        if (!await state.TryUpdateItemAsync(item, cancellationToken))
        {
            logger.LogWarning("Item {ItemId} of batch {BatchId} changed while it ran (another delivery finished it); this run's record is dropped", item.ItemId, item.PartitionKey);
            stats.ItemSkipped();
            return;
        }

        PlatformTelemetry.ItemDuration.Record(elapsed.TotalMilliseconds);
        PlatformTelemetry.ItemsCompleted.Add(1, new KeyValuePair<string, object?>("status", item.State));
        if (output?.TokensGenerated > 0)
            PlatformTelemetry.TokensGenerated.Add(output.TokensGenerated);
        if (error is null)
        {
            stats.ItemSucceeded();
        }
        else
        {
            stats.ItemFailed();
            PlatformTelemetry.ItemsFailed.Add(1, new KeyValuePair<string, object?>("reason", "item"));
        }
    }
}
