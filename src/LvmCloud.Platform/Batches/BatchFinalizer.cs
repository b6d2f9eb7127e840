using LvmCloud.Core.Results;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// Closes a batch once every item is terminal. Racing callers are serialised by a conditional write on the
/// batch row (only the one whose ETag still matches claims it), and <c>results.jsonl</c> is created with
/// If-None-Match: *, so it is written exactly once even if a claimer dies and another takes over.
/// </summary>
public sealed class BatchFinalizer(StorageClients clients, JobStateStore state, TimeProvider time, ILogger<BatchFinalizer> logger)
{
    /// <summary>A claim older than this (its claimer presumably died) may be taken over.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    /// <summary>Finalizes the batch if all its items are done; true when this call wrote <c>results.jsonl</c>.</summary>
    public async Task<bool> TryFinalizeAsync(string batchId, CancellationToken cancellationToken)
    {
        var batch = await state.GetBatchAsync(batchId, cancellationToken);
        if (batch is null || BatchStates.IsTerminal(batch.State))
            return false;
        var now = time.GetUtcNow();
        var closable = batch.State is BatchStates.Queued
            || (batch.State is BatchStates.Finalizing && batch.FinalizeClaimedAt < now - ClaimLease)
            || (batch.State is BatchStates.AwaitingUpload && batch.CancelRequested);
        if (!closable)
            return false;

        var items = await state.GetItemsAsync(batchId, cancellationToken);
        if (items.Any(i => !ItemStates.IsTerminal(i.State)))
            return false;

        batch.State = BatchStates.Finalizing;
        batch.FinalizeClaimedAt = now;
        if (!await state.TryUpdateBatchAsync(batch, cancellationToken))
            return false; // another finisher claimed it first

        var wrote = await TryWriteResultsAsync(batchId, items, cancellationToken);
        var finishedAt = time.GetUtcNow();
        batch.State = batch.CancelRequested ? BatchStates.Cancelled : BatchStates.Finished;
        batch.FinishedAt = finishedAt;
        if (wrote)
            batch.ResultsWrittenBy = Environment.MachineName + "/" + Environment.ProcessId;
        await WriteStatusAsync(batch, items, cancellationToken);
        if (!await state.TryUpdateBatchAsync(batch, cancellationToken))
            logger.LogWarning("Batch {BatchId}: the finished state could not be recorded (the batch row changed during finalization)", batchId);
        else
            logger.LogInformation("Batch {BatchId} {State}: {Count} items", batchId, batch.State, items.Count);
        return wrote;
    }

    private async Task<bool> TryWriteResultsAsync(string batchId, IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        var text = ResultsJsonl.ToJsonl(items.Select(ResultLine.From));
        var blob = clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId));
        try
        {
            await blob.UploadAsync(
                BinaryData.FromString(text),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            logger.LogInformation("Batch {BatchId}: results.jsonl already exists; not written again", batchId);
            return false;
        }
    }

    private async Task WriteStatusAsync(BatchEntity batch, IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        var status = BatchStatus.From(batch, items);
        var blob = clients.Results.GetBlobClient(StorageLayout.StatusPath(batch.BatchId));
        await blob.UploadAsync(
            BinaryData.FromString(JsonSerializer.Serialize(status, JobMessageCodec.Json)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken);
    }
}
