using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Azure;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Intake;

/// <summary>
/// Turns an uploaded <c>manifest.jsonl</c> into recorded items and <c>generate</c> messages. Every line is
/// validated on its own: a malformed line, a missing or over-limit image fails that item with its reason and
/// the rest go on. The batch row is claimed with a conditional write before anything is enqueued, so a
/// manifest uploaded (or a trigger delivered) twice plans the batch once.
/// </summary>
public sealed class BatchIntakeService(
    StorageClients clients,
    JobStateStore state,
    InputImageCheck imageCheck,
    BatchFinalizer finalizer,
    JobPublisher publisher,
    IOptions<IntakeOptions> options,
    TimeProvider time,
    ILogger<BatchIntakeService> logger)
{
    private readonly TableLease<BatchEntity> _planning = new(clients.JobState, BatchEntity.PlanningLease, options.Value.PlanningLease, time, logger);
    private const int ParallelImageChecks = 8;

    public async Task<IntakeOutcome> IngestAsync(string batchId, CancellationToken cancellationToken)
    {
        Identifiers.RequireBatchId(batchId);
        using var activity = PlatformTelemetry.Source.StartActivity("batch intake", ActivityKind.Internal);
        activity?.SetTag("lvm.batch_id", batchId);

        var batch = await ClaimAsync(batchId, cancellationToken);
        if (batch is null)
        {
            var existing = await state.GetBatchAsync(batchId, cancellationToken);
            logger.LogInformation("Batch {BatchId} is already {State}; manifest upload ignored", batchId, existing?.State);
            // A trigger delivered again retries closing a batch that has nothing queued (every line invalid).
            if (existing is { State: BatchStates.Queued or BatchStates.Running or BatchStates.Finalizing })
                await finalizer.TryFinalizeAsync(batchId, cancellationToken);
            return new IntakeOutcome(batchId, false, existing?.State ?? "unknown", 0, 0, 0);
        }

        var (parsed, manifestETag) = await ReadManifestAsync(batchId, cancellationToken);

        var entities = new List<ItemEntity>();
        // A valid line keeps its own id: an invalid line repeating it (duplicate-id) is reported as line-{n}.
        var usedIds = parsed.Items.Select(i => i.Id).Where(Identifiers.IsValidItemId).ToHashSet(StringComparer.Ordinal);
        foreach (var invalid in parsed.Invalid)
            entities.Add(Failed(batchId, UniqueId(invalid.ResultId, invalid.LineNumber, usedIds), invalid.LineNumber, invalid.Reason, invalid.Error));

        var imageProblems = await CheckImagesAsync(batchId, parsed.Items, cancellationToken);
        var accepted = new List<ItemEntity>();
        foreach (var item in parsed.Items)
        {
            var id = Identifiers.IsValidItemId(item.Id) ? item.Id : UniqueId(item.Id, item.LineNumber, usedIds);
            var problem = item.Input.Concat(item.Target).Select(p => imageProblems.GetValueOrDefault(p)).FirstOrDefault(p => p is not null);
            if (problem is not null)
            {
                var failed = Failed(batchId, id, item.LineNumber, problem.Code, problem.Message);
                failed.Seed = item.Seed;
                entities.Add(failed);
                continue;
            }

            var entity = ItemEntity.New(batchId, id, item.LineNumber);
            entity.ItemJson = ItemJson.Write(item with { Id = id });
            entity.InputsJson = JsonSerializer.Serialize(item.Input);
            entity.Seed = item.Seed;
            entity.EnqueuedAt = time.GetUtcNow();
            entities.Add(entity);
            accepted.Add(entity);
        }

        await state.UpsertItemsAsync(entities, cancellationToken);
        batch = await RecordPlanAsync(batch, accepted.Count, entities.Count - accepted.Count, cancellationToken);
        var messages = await EnqueueAsync(batch, accepted, cancellationToken);
        await MarkQueuedAsync(batch, messages, entities.Count - accepted.Count, manifestETag, cancellationToken);

        PlatformTelemetry.ItemsPlanned.Add(accepted.Count);
        logger.LogInformation("Batch {BatchId} planned: {Accepted} items queued in {Messages} messages, {Rejected} failed at intake",
            batchId, accepted.Count, messages, entities.Count - accepted.Count);
        await finalizer.TryFinalizeAsync(batchId, cancellationToken);
        return new IntakeOutcome(batchId, true, BatchStates.Queued, accepted.Count, entities.Count - accepted.Count, messages);
    }

    /// <summary>Moves the batch row to <c>planning</c>; null when another intake already planned (or is planning) it.</summary>
    private async Task<BatchEntity?> ClaimAsync(string batchId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var batch = await state.GetBatchAsync(batchId, cancellationToken);
        if (batch is null)
        {
            // A manifest uploaded straight to storage, without POST /api/batches.
            batch = BatchEntity.New(batchId, now);
            batch.ModelName = options.Value.DefaultModelName;
            batch.ModelVersion = options.Value.DefaultModelVersion;
            if (!await state.TryAddBatchAsync(batch, cancellationToken))
                batch = await state.GetBatchAsync(batchId, cancellationToken);
            if (batch is null)
                return null;
        }

        // Claimable once uploaded, or again when the intake that was planning it died (its lease lapsed).
        var claim = await _planning.ClaimAsync(batch, TableLease<BatchEntity>.NewHolder(), b => b.State is BatchStates.AwaitingUpload or BatchStates.Planning, null, cancellationToken);
        return claim.Claimed ? claim.Row : null;
    }

    private async Task<Dictionary<string, ImageProblem?>> CheckImagesAsync(string batchId, IReadOnlyList<BatchItem> items, CancellationToken cancellationToken)
    {
        var paths = items.SelectMany(i => i.Input.Concat(i.Target)).Distinct(StringComparer.Ordinal).ToList();
        var problems = new ConcurrentDictionary<string, ImageProblem?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            paths,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelImageChecks, CancellationToken = cancellationToken },
            async (path, ct) => problems[path] = await imageCheck.CheckAsync(batchId, path, ImageLimits.Default, ct));
        return new Dictionary<string, ImageProblem?>(problems, StringComparer.Ordinal);
    }

    private async Task<int> EnqueueAsync(BatchEntity batch, IReadOnlyList<ItemEntity> accepted, CancellationToken cancellationToken)
    {
        var model = new ModelReference(batch.ModelName, batch.ModelVersion);
        var index = 0;
        foreach (var chunk in accepted.Chunk(options.Value.ItemsPerMessage))
        {
            var payload = new GeneratePayload(batch.BatchId, chunk.Select(i => i.ItemId).ToList(), model);
            await publisher.EnqueueAsync(payload, $"{batch.BatchId}-g{index++:D5}", cancellationToken);
        }
        return index;
    }

    /// <summary>Records the plan's counts on the batch row (still planning: nothing is enqueued yet, so they are absolute), renewing the planning lease.</summary>
    private Task<BatchEntity> RecordPlanAsync(BatchEntity batch, int accepted, int rejected, CancellationToken cancellationToken) =>
        _planning.RenewAsync(batch.PartitionKey, batch.RowKey, batch.PlanningClaimId!, b =>
        {
            b.TotalItems = accepted + rejected;
            b.ItemsQueued = accepted;
            b.ItemsFailed = rejected;
            b.ItemsRunning = b.ItemsSucceeded = b.ItemsCancelled = 0;
        }, cancellationToken);

    /// <summary>
    /// Moves the batch to queued, finishing the planning lease; counts are left as the transitions keep them (workers
    /// may have started already). Throws when another intake took the planning over meanwhile.
    /// </summary>
    private async Task MarkQueuedAsync(BatchEntity batch, int messages, int rejected, ETag manifestETag, CancellationToken cancellationToken)
    {
        var cancelRequested = false;
        var finish = await _planning.FinishAsync(batch, batch.PlanningClaimId!, b => b.State is not (BatchStates.AwaitingUpload or BatchStates.Planning), b =>
        {
            cancelRequested = b.CancelRequested;
            // Workers may have started items while it was planned: then it is running already.
            BatchLifecycle.Move(b, b.ItemsRunning > 0 || b.ItemsSucceeded > 0 || b.ItemsFailed > rejected ? BatchStates.Running : BatchStates.Queued);
            b.MessagesEnqueued = messages;
            b.QueuedAt = time.GetUtcNow();
            b.ManifestETag = manifestETag.ToString();
        }, cancellationToken);
        if (finish is not (LeaseFinish.Written or LeaseFinish.WrittenBefore))
            throw new InvalidOperationException($"Batch {batch.BatchId} left the planning state while it was planned ({finish}).");
        if (cancelRequested)
            await BatchCancellationService.CancelQueuedItemsAsync(state, batch.BatchId, await state.GetItemsAsync(batch.BatchId, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Parses the manifest (with <c>batch.json</c>), refusing one over <see cref="ManifestLimits.MaxManifestBytes"/> by
    /// the blob's declared length before any of it is downloaded; the download itself is bounded too.
    /// </summary>
    private async Task<(ParsedManifest Parsed, ETag ETag)> ReadManifestAsync(string batchId, CancellationToken cancellationToken)
    {
        var limits = ManifestLimits.Default;
        var properties = await clients.BatchFiles.GetInfoAsync(StorageLayout.ManifestPath(batchId), cancellationToken)
            ?? throw new FileNotFoundException($"Batch {batchId} has no manifest ({clients.BatchFiles.Describe(StorageLayout.ManifestPath(batchId))}).");
        if (BatchManifestParser.RefuseBySize(properties.Length, limits) is { } tooLarge)
        {
            logger.LogWarning("Batch {BatchId}: manifest of {Bytes} bytes refused unread (limit {Limit} bytes)",
                batchId, properties.Length, limits.MaxManifestBytes);
            return (tooLarge, new ETag(properties.Version));
        }

        var download = await clients.BatchFiles.OpenAsync(StorageLayout.ManifestPath(batchId), cancellationToken: cancellationToken);
        string text;
        await using (var content = download.Content)
            text = await BoundedText.ReadAsync(content, limits.MaxManifestBytes, cancellationToken);
        var batchJson = await TryDownloadTextAsync(StorageLayout.BatchDefaultsPath(batchId), limits.MaxBatchJsonBytes, cancellationToken);
        return (BatchManifestParser.Parse(text, batchJson, limits), new ETag(download.Info.Version));
    }

    private async Task<string?> TryDownloadTextAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var content = await clients.BatchFiles.OpenReadAsync(path, cancellationToken);
            return await BoundedText.ReadAsync(content, maxBytes, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private ItemEntity Failed(string batchId, string itemId, int line, string code, string reason)
    {
        var entity = ItemEntity.New(batchId, itemId, line);
        entity.State = ItemStates.Failed;
        entity.ErrorCode = code;
        entity.Error = reason;
        entity.FinishedAt = time.GetUtcNow();
        return entity;
    }

    /// <summary>The item's id, or <c>line-{n}</c> when it is taken or cannot be a storage key.</summary>
    private static string UniqueId(string id, int line, HashSet<string> used)
    {
        var candidate = Identifiers.IsValidItemId(id) && !used.Contains(id) ? id : $"line-{line:D5}";
        used.Add(candidate);
        return candidate;
    }
}
