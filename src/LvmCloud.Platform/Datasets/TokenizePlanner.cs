using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Azure;
using LvmCloud.Core.Sentences;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Plans a retokenization of one dataset with one tokenizer: finds the chunks whose lines or images changed since
/// their shard was made (or all, with <see cref="TokenizeRequest.Force"/>), claims a run and enqueues one
/// <c>tokenize</c> job per such chunk. The timer, the <c>sentences.jsonl</c> trigger and the HTTP API all call this.
/// <para>
/// Idempotent: the run is claimed with the watermark row in one ETag-conditional transaction and named by the
/// watermark's generation, so racing triggers compute the same run and only one claims it; job ids derive from the
/// dataset, tokenizer, run, chunk and its fingerprint. A run that finds nothing new costs one listing of the dataset
/// and one table read, and enqueues nothing. Costs otherwise: the listing, one download of <c>sentences.jsonl</c>, one
/// query of the chunk rows, a transaction per 100 chunks, and one message per chunk.
/// </para>
/// </summary>
public sealed class TokenizePlanner(
    StorageClients clients,
    TokenizeStateStore state,
    TokenizerIdentity identity,
    TokenizeRunFinalizer finalizer,
    JobPublisher publisher,
    IOptions<TokenizeOptions> options,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider time,
    ILogger<TokenizePlanner> logger)
{
    public const string TimerTrigger = "timer";
    public const string UploadTrigger = "upload";
    public const string ApiTrigger = "api";

    private const int ParallelSends = 8;
    private readonly ResiliencePipeline _conflicts = pipelines.GetPipeline(PlatformResilience.StateConflict);
    private readonly TokenizeOptions _options = options.Value;

    /// <exception cref="NotFoundException">The dataset has no <c>sentences.jsonl</c>, or the tokenizer does not exist.</exception>
    /// <exception cref="BadRequestException">The dataset name or the tokenizer reference is not valid.</exception>
    public async Task<TokenizePlanOutcome> PlanAsync(string dataset, TokenizeRequest request, string trigger, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValidDatasetName(dataset))
            throw new BadRequestException($"Dataset name '{dataset}' is not valid: use 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, without '..'.");
        var tokenizer = request.TokenizerReference(_options);
        using var activity = PlatformTelemetry.Source.StartActivity("tokenize plan", ActivityKind.Internal);
        activity?.SetTag("lvm.dataset", dataset);
        activity?.SetTag("lvm.trigger", trigger);

        var tokenizerId = await identity.ResolveAsync(tokenizer, cancellationToken);
        activity?.SetTag("lvm.tokenizer_id", tokenizerId);
        var listing = await DatasetListing.ReadAsync(clients.DatasetFiles, dataset, cancellationToken);
        if (!listing.HasSentences)
            throw new NotFoundException($"Dataset '{dataset}' has no {StorageLayout.SentencesFileName} (datasets/{StorageLayout.SentencesPath(dataset)}): upload its images, then {StorageLayout.SentencesFileName}.");

        var outcome = await _conflicts.ExecuteAsync(ct => PlanOnceAsync(dataset, tokenizer, tokenizerId, listing, request.Force, trigger, ct), cancellationToken);
        activity?.SetTag("lvm.plan_status", outcome.Status);
        logger.LogInformation("Tokenize plan of {Dataset} with {TokenizerId} ({Trigger}{Force}): {Status}, {Chunks} of {ChunkCount} chunks queued{Run}",
            dataset, tokenizerId, trigger, request.Force ? ", force" : "", outcome.Status, outcome.ChunksQueued, outcome.ChunkCount, outcome.RunId is null ? "" : $", run {outcome.RunId}");
        return outcome;
    }

    private async ValueTask<TokenizePlanOutcome> PlanOnceAsync(
        string dataset, ModelReference tokenizer, string tokenizerId, DatasetListing listing, bool force, string trigger, CancellationToken cancellationToken)
    {
        var partition = TokenizePartition.For(dataset, tokenizerId);
        var watermark = await state.GetOrAddWatermarkAsync(TokenizeWatermarkEntity.New(dataset, tokenizerId, tokenizer), cancellationToken);
        var now = time.GetUtcNow();
        if (watermark.ActiveRunId is { } active)
        {
            var activeRun = await state.GetRunAsync(partition, active, cancellationToken);
            var stale = activeRun is null || (activeRun.State == TokenizeStates.Planning && activeRun.CreatedAt + _options.PlanningLease < now);
            if (!stale)
                return Outcome(TokenizePlanOutcome.InProgress, active, 0, activeRun!.ChunkCount,
                    $"Run {active} is {activeRun.State} ({activeRun.ChunksDone} of {activeRun.ChunksTotal} chunks in); changes made since are picked up by the next run after it.");
            await AbandonAsync(watermark, activeRun, now, cancellationToken);
        }

        var chunkSize = _options.ChunkSize;
        if (!force && watermark.SourceFingerprint == listing.Fingerprint && watermark.ChunkSize == chunkSize)
            return Outcome(TokenizePlanOutcome.UpToDate, null, 0, 0, "Nothing changed since the last run.");

        var sentencesPath = StorageLayout.SentencesPath(dataset);
        var declared = (await clients.DatasetFiles.GetInfoAsync(sentencesPath, cancellationToken)
            ?? throw new NotFoundException($"Dataset '{dataset}' has no {StorageLayout.SentencesFileName} any more (datasets/{sentencesPath}): upload it again.")).Length;
        if (declared > SentenceLimits.Default.MaxFileBytes)
            return Outcome(TokenizePlanOutcome.Refused, null, 0, 0,
                $"{StorageLayout.SentencesFileName} of {dataset} is {declared} bytes, more than the limit of {SentenceLimits.Default.MaxFileBytes} bytes; it was not read (split the dataset).");
        await using var sentences = await clients.DatasetFiles.OpenAsync(sentencesPath, cancellationToken: cancellationToken);
        using var sentencesBytes = new MemoryStream();
        await sentences.Content.CopyToAsync(sentencesBytes, cancellationToken);
        var sentencesETag = SourceVersions.Normalize(sentences.Info.Version);
        var versions = new Dictionary<string, string>(listing.Versions, StringComparer.Ordinal) { [StorageLayout.SentencesFileName] = sentencesETag };
        var fingerprint = SourceVersions.Listing(versions);
        var plan = ChunkPlanner.Plan(sentencesBytes.GetBuffer().AsSpan(0, (int)sentencesBytes.Length), versions, chunkSize, SentenceLimits.Default);

        var rows = (await state.GetChunksAsync(partition, cancellationToken)).ToDictionary(c => c.Chunk);
        var rechunked = watermark.ChunkSize != 0 && watermark.ChunkSize != chunkSize;
        var todo = plan.Where(c => force || rechunked || !rows.TryGetValue(c.Index, out var row) || row.DoneFingerprint != c.Fingerprint).ToList();
        if (todo.Count == 0)
        {
            // Only blobs no sentence uses changed: remember this listing so the next look is one read again.
            watermark.SourceFingerprint = fingerprint;
            watermark.ChunkSize = chunkSize;
            watermark.LastCheckedAt = now;
            if (!await state.TryUpdateWatermarkAsync(watermark, cancellationToken))
                throw new ConcurrencyConflictException($"The watermark of {partition} changed while it was planned.");
            return Outcome(TokenizePlanOutcome.UpToDate, null, 0, plan.Count, $"All {plan.Count} shards are current.");
        }

        var runId = TokenizePartition.RunId(watermark.Generation + 1);
        var run = new TokenizeRunEntity
        {
            PartitionKey = partition,
            RowKey = TokenizePartition.RunRowKey(runId),
            RunId = runId,
            Trigger = trigger,
            Force = force,
            CreatedAt = now,
            SourceFingerprint = fingerprint,
            SentencesETag = sentencesETag,
            ChunkSize = chunkSize,
            ChunkCount = plan.Count,
            ChunksTotal = todo.Count,
        };
        watermark.Generation++;
        watermark.ActiveRunId = runId;
        watermark.LastCheckedAt = now;
        if (!await state.TryClaimRunAsync(watermark, run, cancellationToken))
        {
            var current = await state.GetWatermarkAsync(partition, cancellationToken);
            if (current?.ActiveRunId == runId)
                return Outcome(TokenizePlanOutcome.AlreadyPlanned, runId, 0, plan.Count, $"Run {runId} was planned by another trigger at the same time.");
            if (current?.ActiveRunId is { } other)
                return Outcome(TokenizePlanOutcome.InProgress, other, 0, plan.Count, $"Run {other} is in flight; changes made since are picked up by the next run after it.");
            throw new ConcurrencyConflictException($"The watermark of {partition} changed while it was planned.");
        }

        var jobs = todo.Select(c => (Chunk: c, Row: PlannedRow(rows.GetValueOrDefault(c.Index), partition, dataset, tokenizerId, runId, c, now))).ToList();
        await state.UpsertChunksAsync(jobs.Select(j => j.Row).ToList(), cancellationToken);
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = ParallelSends, CancellationToken = cancellationToken }, async (job, ct) =>
        {
            var c = job.Chunk;
            var payload = new TokenizePayload(dataset, tokenizer, tokenizerId, runId, c.Index, c.FirstLine, c.Offset, c.Length, c.LinesHash, c.Fingerprint,
                c.Marked.Count == 0 ? null : c.Marked);
            await publisher.EnqueueAsync(payload, job.Row.JobId, ct);
        });
        if (!await MarkQueuedAsync(partition, runId, cancellationToken))
            return Outcome(TokenizePlanOutcome.AlreadyPlanned, runId, todo.Count, plan.Count, $"Run {runId} was abandoned by another planner while it was queued.");
        PlatformTelemetry.ChunksPlanned.Add(todo.Count);
        await finalizer.TryFinalizeAsync(partition, runId, cancellationToken);
        return Outcome(TokenizePlanOutcome.Planned, runId, todo.Count, plan.Count,
            $"Run {runId}: {todo.Count} of {plan.Count} chunks queued{(force ? " (forced)" : "")}.");

        TokenizePlanOutcome Outcome(string status, string? id, int queued, int count, string message) =>
            new(dataset, tokenizerId, status, id, queued, count, message);
    }

    /// <summary>The chunk's row as this run plans it; what its current shard was made from is kept.</summary>
    private static TokenizeChunkEntity PlannedRow(TokenizeChunkEntity? existing, string partition, string dataset, string tokenizerId, string runId, PlannedChunk chunk, DateTimeOffset now)
    {
        var row = existing ?? new TokenizeChunkEntity { PartitionKey = partition, RowKey = TokenizePartition.ChunkRowKey(chunk.Index), Chunk = chunk.Index };
        row.State = TokenizeStates.Queued;
        row.RunId = runId;
        row.JobId = JobId(dataset, tokenizerId, runId, chunk);
        row.PlannedFingerprint = chunk.Fingerprint;
        row.FirstLine = chunk.FirstLine;
        row.LastLine = chunk.LastLine;
        row.Lines = chunk.Lines;
        row.Attempts = 0;
        row.EnqueuedAt = now;
        row.StartedAt = null;
        row.FinishedAt = null;
        row.Error = null;
        row.LastError = null;
        row.ETag = default;
        return row;
    }

    /// <summary>
    /// <c>tok-{dataset}-c{chunk}-{hash}</c>, the hash over the dataset, tokenizer, run, chunk and its fingerprint: the
    /// same plan always gives the same ids, and the chunk row names the one job that owns it.
    /// </summary>
    public static string JobId(string dataset, string tokenizerId, string runId, PlannedChunk chunk)
    {
        var key = $"{dataset}\n{tokenizerId}\n{runId}\n{chunk.Index}\n{chunk.Fingerprint}";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12].ToLowerInvariant();
        return $"tok-{dataset}-c{chunk.Index:D5}-{hash}";
    }

    /// <summary>Moves the run to queued; false when it is no longer planning (another planner abandoned it).</summary>
    private async Task<bool> MarkQueuedAsync(string partition, string runId, CancellationToken cancellationToken) =>
        await _conflicts.ExecuteAsync(async ct =>
        {
            var run = await state.GetRunAsync(partition, runId, ct)
                ?? throw new InvalidOperationException($"Run {runId} of {partition} disappeared while it was planned.");
            if (run.State != TokenizeStates.Planning)
            {
                logger.LogWarning("Run {RunId} of {Partition} left planning ({State}) before it was queued", runId, partition, run.State);
                return false;
            }
            TokenizeRunLifecycle.Move(run, TokenizeStates.Queued);
            run.QueuedAt = time.GetUtcNow();
            return await state.TryUpdateRunAsync(run, ct)
                ? true
                : throw new ConcurrencyConflictException($"Run {runId} of {partition} changed while it was queued.");
        }, cancellationToken);

    /// <summary>Closes a run whose planner died while planning, so that a new plan can be claimed; its queued jobs find their chunks re-planned.</summary>
    private async Task AbandonAsync(TokenizeWatermarkEntity watermark, TokenizeRunEntity? run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var runId = watermark.ActiveRunId!;
        logger.LogWarning("Run {RunId} of {Dataset} with {TokenizerId} has been planning since {Since}; closing it as abandoned", runId, watermark.Dataset, watermark.TokenizerId, run?.CreatedAt);
        watermark.ActiveRunId = null;
        watermark.LastRunId = runId;
        watermark.LastRunOutcome = TokenizeStates.OutcomeAbandoned;
        watermark.LastRunStartedAt = run?.CreatedAt;
        watermark.LastRunFinishedAt = now;
        watermark.LastRunTrigger = run?.Trigger;
        var closed = run is null
            ? await state.TryUpdateWatermarkAsync(watermark, cancellationToken)
            : await state.TryCloseRunAsync(watermark, Abandoned(run, now), cancellationToken);
        if (!closed)
            throw new ConcurrencyConflictException($"The watermark of {watermark.PartitionKey} changed while run {runId} was abandoned.");
    }

    private static TokenizeRunEntity Abandoned(TokenizeRunEntity run, DateTimeOffset now)
    {
        TokenizeRunLifecycle.Move(run, TokenizeStates.Finished);
        run.Outcome = TokenizeStates.OutcomeAbandoned;
        run.FinishedAt = now;
        return run;
    }
}
