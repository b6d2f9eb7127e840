using System.Text.Json;
using Azure;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// Closes a batch once every item is terminal, which it learns from the batch row's counts (kept exact by the
/// state transitions), so a look costs one read however large the batch is; only the claimer reads the items, once.
/// Racing callers are serialised by a conditional write on the
/// batch row (only the one whose ETag still matches claims it, <c>queued</c> → <c>finalizing</c>). The claimer
/// then writes <c>results.jsonl</c> (If-None-Match: *, stamped with its claim id), <c>status.json</c> and the
/// closed batch row, retrying those idempotent steps up to <see cref="FinalizerOptions.MaxAttempts"/> times; if
/// they keep failing it releases the claim and throws, so the next caller takes over at once. A claim whose
/// claimer died lapses after <see cref="FinalizerOptions.ClaimLease"/>. Terminal item rows never change, so
/// whichever claim writes <c>results.jsonl</c> writes the same text, and it is written once.
/// </summary>
public sealed class BatchFinalizer(
    StorageClients clients,
    JobStateStore state,
    IOptions<FinalizerOptions> options,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider time,
    ILogger<BatchFinalizer> logger)
{
    private readonly ResiliencePipeline _steps = pipelines.GetPipeline(PlatformResilience.FinalizeSteps);
    /// <summary>Blob metadata key on <c>results.jsonl</c> naming the claim that wrote it.</summary>
    public const string ClaimMetadataKey = "finalizeclaim";

    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(50);
    private readonly FinalizerOptions _options = options.Value;

    /// <summary>
    /// One look: finalizes the batch if all its items are done and nobody holds a live claim on it; true when
    /// this call wrote <c>results.jsonl</c>. Throws (after releasing its claim) when the steps keep failing.
    /// </summary>
    public async Task<bool> TryFinalizeAsync(string batchId, CancellationToken cancellationToken) =>
        (await PassAsync(batchId, null, cancellationToken)).WroteResults;

    /// <summary>
    /// As <see cref="TryFinalizeAsync"/>, but when another caller holds a live claim it waits until the batch is
    /// closed or that claim lapses (then takes it over), so the caller's work is not done before the batch is.
    /// </summary>
    /// <param name="known">
    /// The batch row as the caller just wrote it (after recording items): when it shows items still open, no read
    /// is needed at all.
    /// </param>
    public async Task<bool> FinalizeAsync(string batchId, CancellationToken cancellationToken, BatchEntity? known = null)
    {
        var poll = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, _options.ClaimLease.Ticks / 5));
        while (true)
        {
            var pass = await PassAsync(batchId, known, cancellationToken);
            known = null;
            if (pass.ClaimedElsewhereUntil is not { } until)
                return pass.WroteResults;
            var wait = until - time.GetUtcNow();
            await Task.Delay(wait < MinPoll ? MinPoll : wait > poll ? poll : wait, time, cancellationToken);
        }
    }

    private async Task<Pass> PassAsync(string batchId, BatchEntity? known, CancellationToken cancellationToken)
    {
        if (known is { State: BatchStates.Queued, AllItemsDone: false })
            return default;
        var batch = await state.GetBatchAsync(batchId, cancellationToken);
        if (batch is null || BatchStates.IsTerminal(batch.State))
            return default;
        var now = time.GetUtcNow();
        if (batch.State is BatchStates.Finalizing && batch.FinalizeClaimedAt + _options.ClaimLease is { } expiry && expiry > now)
            return new Pass(false, expiry);
        // A finalizing row is closable: its (lapsed) claimer saw every item done.
        var closable = batch.State is BatchStates.Finalizing
            || (batch.State is BatchStates.Queued && batch.AllItemsDone)
            || (batch.State is BatchStates.AwaitingUpload && batch.CancelRequested);
        if (!closable)
            return default;

        var retaken = batch.State is BatchStates.Finalizing;
        var claimId = Guid.NewGuid().ToString("N");
        batch.State = BatchStates.Finalizing;
        batch.FinalizeClaimedAt = now;
        batch.FinalizeClaimId = claimId;
        if (!await state.TryUpdateBatchAsync(batch, cancellationToken))
            return new Pass(false, now); // another caller claimed it first, or the row changed: look again
        if (retaken)
            logger.LogWarning("Batch {BatchId}: took over a lapsed finalization claim", batchId);

        try
        {
            var items = await state.GetItemsAsync(batchId, cancellationToken);
            return new Pass(await CloseAsync(batch, items, claimId, cancellationToken), null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Batch {BatchId}: finalization failed; releasing the claim", batchId);
            await ReleaseAsync(batchId, claimId);
            throw;
        }
    }

    /// <summary>The claimed steps, each idempotent, run through the finalize-steps pipeline; true when this claim wrote results.jsonl.</summary>
    private async Task<bool> CloseAsync(BatchEntity batch, IReadOnlyList<ItemEntity> items, string claimId, CancellationToken cancellationToken)
    {
        batch.State = batch.CancelRequested ? BatchStates.Cancelled : BatchStates.Finished;
        batch.FinishedAt = time.GetUtcNow();
        var wrote = false;
        var attempt = 0;
        await _steps.ExecuteAsync(async ct =>
        {
            if (attempt++ > 0)
                logger.LogWarning("Batch {BatchId}: finalization try {Attempt} of {Max}", batch.BatchId, attempt, _options.MaxAttempts);
            wrote |= await TryWriteResultsAsync(batch.BatchId, items, claimId, ct);
            if (wrote)
                batch.ResultsWrittenBy = Environment.MachineName + "/" + Environment.ProcessId;
            await WriteStatusAsync(batch, items, ct);
            if (await RecordClosedAsync(batch, claimId, ct))
                logger.LogInformation("Batch {BatchId} {State}: {Total} items, {Succeeded} succeeded, {Failed} failed, {Cancelled} cancelled, in {Seconds:F1} s",
                    batch.BatchId, batch.State, items.Count, Count(ItemStates.Succeeded), Count(ItemStates.Failed), Count(ItemStates.Cancelled),
                    ((batch.FinishedAt ?? batch.CreatedAt) - batch.CreatedAt).TotalSeconds);
        }, cancellationToken);
        return wrote;

        int Count(string itemState) => items.Count(i => i.State == itemState);
    }

    /// <summary>
    /// Writes the closed state with the claim's ETag. If the row changed since (a cancel request arrived, an
    /// earlier try's write landed but its reply was lost, or the claim lapsed and was taken over), it is read
    /// again: closed already is fine, still ours gets the closed state again, taken over is left to the new claimer.
    /// </summary>
    private async Task<bool> RecordClosedAsync(BatchEntity batch, string claimId, CancellationToken cancellationToken)
    {
        if (await state.TryUpdateBatchAsync(batch, cancellationToken))
            return true;
        var current = await state.GetBatchAsync(batch.BatchId, cancellationToken);
        if (current is null || BatchStates.IsTerminal(current.State))
            return false;
        if (current.FinalizeClaimId != claimId)
        {
            logger.LogWarning("Batch {BatchId}: the finalization claim was taken over; leaving the batch to its new claimer", batch.BatchId);
            return false;
        }
        current.State = batch.State;
        current.FinishedAt = batch.FinishedAt;
        current.ResultsWrittenBy = batch.ResultsWrittenBy ?? current.ResultsWrittenBy;
        if (!await state.TryUpdateBatchAsync(current, cancellationToken))
            throw new InvalidOperationException($"Batch {batch.BatchId}: the batch row changed twice during finalization; its closed state is not recorded yet.");
        batch.ETag = current.ETag;
        return true;
    }

    /// <summary>
    /// Creates <c>results.jsonl</c> once (If-None-Match: *). True when this claim wrote it, including by an
    /// earlier try whose reply was lost (the blob carries the claim id).
    /// </summary>
    private async Task<bool> TryWriteResultsAsync(string batchId, IReadOnlyList<ItemEntity> items, string claimId, CancellationToken cancellationToken)
    {
        var text = ResultsJsonl.ToJsonl(items.Select(ResultLine.From));
        var path = StorageLayout.ResultsManifestPath(batchId);
        var metadata = new Dictionary<string, string> { [ClaimMetadataKey] = claimId };
        if (await clients.ResultFiles.TryWriteTextAsync(path, text, FileWriteOptions.CreateOnce(metadata, ContentTypes.JsonLines), cancellationToken) is not null)
            return true;
        var properties = await clients.ResultFiles.GetInfoAsync(path, cancellationToken);
        if (properties is not null && properties.Metadata.TryGetValue(ClaimMetadataKey, out var writer) && writer == claimId)
            return true;
        logger.LogInformation("Batch {BatchId}: results.jsonl already exists (an earlier claim wrote it); not written again", batchId);
        return false;
    }

    private async Task WriteStatusAsync(BatchEntity batch, IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        var status = BatchStatus.From(batch, items, null);
        await clients.ResultFiles.WriteTextAsync(StorageLayout.StatusPath(batch.BatchId), JsonSerializer.Serialize(status, PlatformJson.Web), ContentTypes.Json, cancellationToken);
    }

    /// <summary>Makes a failed claim lapse at once so that the next caller takes over; best effort (else it lapses by itself).</summary>
    private async Task ReleaseAsync(string batchId, string claimId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ReleaseTimeout);
            var current = await state.GetBatchAsync(batchId, timeout.Token);
            if (current is not { State: BatchStates.Finalizing } || current.FinalizeClaimId != claimId)
                return;
            current.FinalizeClaimedAt = null;
            current.FinalizeClaimId = null;
            await state.TryUpdateBatchAsync(current, timeout.Token);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Batch {BatchId}: the finalization claim could not be released; it lapses after {Lease}", batchId, _options.ClaimLease);
        }
    }

    /// <summary>What one look did: whether it wrote results.jsonl, or until when another caller's claim is live.</summary>
    private readonly record struct Pass(bool WroteResults, DateTimeOffset? ClaimedElsewhereUntil);
}
