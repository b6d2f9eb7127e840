using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Closes a retokenization run once its last chunk is in, the way <see cref="Batches.BatchFinalizer"/> closes a batch:
/// the run row's counts (kept exact by each chunk's transaction) say when, so a look costs one read; racing callers
/// are serialised by an ETag-conditional claim on the run row (<c>queued</c> → <c>finalizing</c>, with a claim id).
/// The claimer reads the chunk rows once, writes <c>index.json</c> (conditional on the version the watermark names,
/// stamped with its run and claim) and then the watermark and the closed run in one transaction; those steps are
/// idempotent and retried <see cref="FinalizerOptions.MaxAttempts"/> times. If they keep failing the claim is released
/// and the error thrown, so the next caller takes over at once; a claimer that died is taken over after
/// <see cref="FinalizerOptions.ClaimLease"/>. The watermark moves to the run's listing only when every chunk succeeded,
/// so a chunk that failed is planned again by the next run.
/// </summary>
public sealed class TokenizeRunFinalizer(
    StorageClients clients,
    TokenizeStateStore state,
    IOptions<FinalizerOptions> options,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider time,
    ILogger<TokenizeRunFinalizer> logger)
{
    /// <summary>Blob metadata on <c>index.json</c>: the run and the claim that wrote it.</summary>
    public const string RunMetadataKey = "tokenizerun";
    public const string ClaimMetadataKey = "finalizeclaim";

    private static readonly JsonSerializerOptions IndexJson = new(PlatformJson.Web) { WriteIndented = true };
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(50);
    private readonly ResiliencePipeline _steps = pipelines.GetPipeline(PlatformResilience.FinalizeSteps);
    private readonly FinalizerOptions _options = options.Value;
    private readonly TableLease<TokenizeRunEntity> _lease = new(clients.JobState, TokenizeRunEntity.FinalizeLease, options.Value.ClaimLease, time, logger);

    /// <summary>One look: closes the run if all its chunks are in and nobody holds a live claim; true when this call closed it.</summary>
    public async Task<bool> TryFinalizeAsync(string partition, string runId, CancellationToken cancellationToken) =>
        (await PassAsync(partition, runId, null, cancellationToken)).Closed;

    /// <summary>
    /// As <see cref="TryFinalizeAsync"/>, but waits out another caller's live claim (taking it over when it lapses), so
    /// the caller's message is deleted only once the run is closed.
    /// </summary>
    /// <param name="known">The run row as the caller just wrote it: when it shows chunks still out, nothing is read.</param>
    public async Task<bool> FinalizeAsync(string partition, string runId, CancellationToken cancellationToken, TokenizeRunEntity? known = null)
    {
        var poll = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, _options.ClaimLease.Ticks / 5));
        while (true)
        {
            var pass = await PassAsync(partition, runId, known, cancellationToken);
            known = null;
            if (pass.ClaimedElsewhereUntil is not { } until)
                return pass.Closed;
            var wait = until - time.GetUtcNow();
            await Task.Delay(wait < MinPoll ? MinPoll : wait > poll ? poll : wait, time, cancellationToken);
        }
    }

    private async Task<Pass> PassAsync(string partition, string runId, TokenizeRunEntity? known, CancellationToken cancellationToken)
    {
        if (known is { State: TokenizeStates.Queued, AllChunksDone: false })
            return default;
        var run = await state.GetRunAsync(partition, runId, cancellationToken);
        if (run is null || run.State is TokenizeStates.Finished)
            return default;
        var claimId = TableLease<TokenizeRunEntity>.NewHolder();
        var claim = await _lease.ClaimAsync(run, claimId, r => r.State is TokenizeStates.Finalizing || (r.State is TokenizeStates.Queued && r.AllChunksDone), null, cancellationToken);
        if (claim.Outcome is LeaseClaimOutcome.HeldElsewhere or LeaseClaimOutcome.Contended)
            return new Pass(false, claim.HeldUntil ?? time.GetUtcNow());
        if (!claim.Claimed)
            return default;
        try
        {
            return new Pass(await CloseAsync(partition, runId, claimId, cancellationToken), null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId} of {Partition}: closing failed; releasing the claim", runId, partition);
            await _lease.ReleaseAsync(claim.Row!, claimId);
            throw;
        }
    }

    /// <summary>The claimed steps, each try reading the rows fresh; true when this claim closed the run.</summary>
    private async Task<bool> CloseAsync(string partition, string runId, string claimId, CancellationToken cancellationToken)
    {
        var closed = false;
        await _steps.ExecuteAsync(async ct =>
        {
            var run = await state.GetRunAsync(partition, runId, ct) ?? throw new InvalidOperationException($"Run {runId} of {partition} has no row.");
            var standing = _lease.Standing(run, claimId, r => r.State is TokenizeStates.Finished);
            closed = standing == LeaseStanding.FinishedByHolder; // an earlier try's transaction landed, its reply was lost
            if (standing == LeaseStanding.Lost)
                logger.LogWarning("Run {RunId} of {Partition}: the finalization claim was taken over; leaving the run to its new claimer", runId, partition);
            if (standing != LeaseStanding.Held)
                return;
            var watermark = await state.GetWatermarkAsync(partition, ct) ?? throw new InvalidOperationException($"{partition} has no watermark.");
            var chunks = await state.GetChunksAsync(partition, ct);
            var index = BuildIndex(watermark, run, chunks);
            var indexETag = await WriteIndexAsync(watermark, index, claimId, ct);

            var now = time.GetUtcNow();
            var outcome = run.OutcomeFromCounts();
            TokenizeRunLifecycle.Move(run, TokenizeStates.Finished);
            run.Outcome = outcome;
            run.FinishedAt = now;
            if (watermark.ActiveRunId == runId)
                watermark.ActiveRunId = null;
            watermark.LastRunId = runId;
            watermark.LastRunOutcome = outcome;
            watermark.LastRunTrigger = run.Trigger;
            watermark.LastRunStartedAt = run.CreatedAt;
            watermark.LastRunFinishedAt = now;
            watermark.SourceFingerprint = outcome == TokenizeStates.OutcomeSucceeded ? run.SourceFingerprint : null;
            watermark.ChunkSize = run.ChunkSize;
            watermark.Shards = index.Shards.Count;
            watermark.Sentences = index.Sentences;
            watermark.Tokens = index.Tokens;
            watermark.Skipped = index.Skipped;
            watermark.IndexETag = indexETag;
            if (!await state.TryCloseRunAsync(watermark, run, ct))
                throw new ConcurrencyConflictException($"Run {runId} of {partition}: the watermark or the run changed while it was closed.");
            closed = true;
            logger.LogInformation("Run {RunId} of {Dataset} with {TokenizerId} {Outcome}: {Succeeded} chunks succeeded, {Failed} failed, {Superseded} superseded; index of {Shards} shards, {Sentences} sentences, {Tokens} tokens, {Skipped} skipped",
                runId, watermark.Dataset, watermark.TokenizerId, outcome, run.ChunksSucceeded, run.ChunksFailed, run.ChunksSuperseded, index.Shards.Count, index.Sentences, index.Tokens, index.Skipped);
        }, cancellationToken);
        return closed;
    }

    private static DatasetIndex BuildIndex(TokenizeWatermarkEntity watermark, TokenizeRunEntity run, IReadOnlyList<TokenizeChunkEntity> chunks)
    {
        var shards = chunks
            .Where(c => c.Chunk < run.ChunkCount && c.DoneFingerprint is not null)
            .Select(c =>
            {
                var stem = TokenShardFiles.Stem(c.Chunk);
                return new DatasetIndexShard(c.Chunk, TokenShardFiles.JsonlPath(stem), TokenShardFiles.BinaryPath(stem), StorageLayout.ShardIndexEntryName(stem),
                    c.FirstLine, c.LastLine, c.Sentences, c.Tokens, c.SkippedCount, c.DoneFingerprint!, c.DoneRunId ?? c.RunId);
            })
            .ToList();
        return new DatasetIndex(watermark.Dataset, watermark.TokenizerId, $"{watermark.TokenizerName}/{watermark.TokenizerVersion}", run.RunId,
            run.ChunkSize, run.ChunkCount, shards.Sum(s => (long)s.Sentences), shards.Sum(s => s.Tokens), shards.Sum(s => (long)s.Skipped), shards);
    }

    /// <summary>
    /// Replaces <c>index.json</c> if it is still the version the watermark names (created if there is none yet). If it is
    /// not, and this run wrote it (an earlier try or claim whose reply was lost), that version is taken as written;
    /// otherwise (changed by hand) the current version is replaced. Returns the new ETag.
    /// </summary>
    private async Task<string> WriteIndexAsync(TokenizeWatermarkEntity watermark, DatasetIndex index, string claimId, CancellationToken cancellationToken)
    {
        var path = StorageLayout.TokensPrefix(watermark.Dataset, watermark.TokenizerId) + StorageLayout.DatasetIndexFileName;
        var content = JsonSerializer.Serialize(index, IndexJson);
        var metadata = new Dictionary<string, string> { [RunMetadataKey] = index.RunId, [ClaimMetadataKey] = claimId };
        var conditions = new FileWriteOptions { ContentType = ContentTypes.Json, Metadata = metadata, IfVersion = watermark.IndexETag, IfAbsent = watermark.IndexETag is null };
        for (var attempt = 0; ; attempt++)
        {
            if (await clients.TokenFiles.TryWriteTextAsync(path, content, conditions, cancellationToken) is { } written)
                return written.Version;
            if (attempt > 0)
                throw new IOException($"{clients.TokenFiles.Describe(path)} changed again while it was replaced; the next finalization tries again.");
            if (await clients.TokenFiles.GetInfoAsync(path, cancellationToken) is not { } properties)
            {
                conditions = conditions with { IfVersion = null, IfAbsent = true };
                continue;
            }
            if (properties.Metadata.TryGetValue(RunMetadataKey, out var writer) && writer == index.RunId)
                return properties.Version;
            logger.LogWarning("{Index} changed outside the platform; replacing it", path);
            conditions = conditions with { IfVersion = properties.Version, IfAbsent = false };
        }
    }

    private readonly record struct Pass(bool Closed, DateTimeOffset? ClaimedElsewhereUntil);
}
