using System.Text.Json;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// Closes a batch once every item is terminal, which it learns from the batch row's counts (kept exact by the
/// state transitions), so a look costs one read however large the batch is; only the claimer reads the items, once.
/// Racing callers are serialised by the batch row's finalization lease (<see cref="BatchEntity.FinalizeLease"/>, a
/// <see cref="TableLease{T}"/>: <c>queued</c> → <c>finalizing</c>, one claimant wins). The claimer then writes
/// <c>results.jsonl</c> once (<see cref="ClaimStampedBlob"/>), <c>status.json</c> and the closed batch row (the lease's
/// finish), retrying those idempotent steps up to <see cref="FinalizerOptions.MaxAttempts"/> times; if they keep
/// failing it releases the lease and throws, so the next caller takes over at once. A lease whose holder died lapses
/// after <see cref="FinalizerOptions.ClaimLease"/>. Terminal item rows never change, so
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

    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(50);
    private readonly FinalizerOptions _options = options.Value;
    private readonly TableLease<BatchEntity> _lease = new(clients.JobState, BatchEntity.FinalizeLease, options.Value.ClaimLease, time, logger);

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
        if (known is { AllItemsDone: false } && BatchStates.IsActive(known.State))
            return default;
        var batch = await state.GetBatchAsync(batchId, cancellationToken);
        if (batch is null || BatchStates.IsTerminal(batch.State))
            return default;
        // A finalizing row is closable: its (lapsed or released) claimer saw every item done.
        var claimId = TableLease<BatchEntity>.NewHolder();
        var claim = await _lease.ClaimAsync(batch, claimId, b => b.State is BatchStates.Finalizing
            || (BatchStates.IsActive(b.State) && b.AllItemsDone)
            || (b.State is BatchStates.AwaitingUpload && b.CancelRequested), null, cancellationToken);
        if (claim.Outcome is LeaseClaimOutcome.HeldElsewhere or LeaseClaimOutcome.Contended)
            return new Pass(false, claim.HeldUntil ?? time.GetUtcNow());
        if (!claim.Claimed)
            return default;
        batch = claim.Row!;
        try
        {
            var items = await state.GetItemsAsync(batchId, cancellationToken);
            return new Pass(await CloseAsync(batch, items, claimId, cancellationToken), null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Batch {BatchId}: finalization failed; releasing the claim", batchId);
            await _lease.ReleaseAsync(batch, claimId);
            throw;
        }
    }

    /// <summary>The claimed steps, each idempotent, run through the finalize-steps pipeline; true when this claim wrote results.jsonl.</summary>
    private async Task<bool> CloseAsync(BatchEntity batch, IReadOnlyList<ItemEntity> items, string claimId, CancellationToken cancellationToken)
    {
        BatchLifecycle.Move(batch, BatchLifecycle.ClosedState(batch));
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
    /// Writes the closed state under the claim (<see cref="TableLease{T}.FinishAsync"/>): closed already is fine, still
    /// ours gets the closed state again, taken over is left to the new claimer. True when this try wrote it.
    /// </summary>
    private async Task<bool> RecordClosedAsync(BatchEntity batch, string claimId, CancellationToken cancellationToken)
    {
        var (closed, finishedAt, writtenBy) = (batch.State, batch.FinishedAt, batch.ResultsWrittenBy);
        var finish = await _lease.FinishAsync(batch, claimId, b => BatchStates.IsTerminal(b.State), b =>
        {
            BatchLifecycle.Move(b, closed);
            b.FinishedAt = finishedAt;
            b.ResultsWrittenBy = writtenBy ?? b.ResultsWrittenBy;
        }, cancellationToken);
        if (finish == LeaseFinish.Lost)
            logger.LogWarning("Batch {BatchId}: the finalization claim was taken over; leaving the batch to its new claimer", batch.BatchId);
        return finish == LeaseFinish.Written;
    }

    /// <summary>
    /// Creates <c>results.jsonl</c> once (If-None-Match: *). True when this claim wrote it, including by an
    /// earlier try whose reply was lost (the blob carries the claim id).
    /// </summary>
    private async Task<bool> TryWriteResultsAsync(string batchId, IReadOnlyList<ItemEntity> items, string claimId, CancellationToken cancellationToken)
    {
        var text = ResultsJsonl.ToJsonl(items.Select(ResultLine.From));
        if (await ClaimStampedBlob.TryCreateAsync(clients.ResultFiles, StorageLayout.ResultsManifestPath(batchId), text, ContentTypes.JsonLines, ClaimMetadataKey, claimId, cancellationToken))
            return true;
        logger.LogInformation("Batch {BatchId}: results.jsonl already exists (an earlier claim wrote it); not written again", batchId);
        return false;
    }

    private async Task WriteStatusAsync(BatchEntity batch, IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        var status = BatchStatus.From(batch, items, null);
        await clients.ResultFiles.WriteTextAsync(StorageLayout.StatusPath(batch.BatchId), JsonSerializer.Serialize(status, PlatformJson.Web), ContentTypes.Json, cancellationToken);
    }

    /// <summary>What one look did: whether it wrote results.jsonl, or until when another caller's claim is live.</summary>
    private readonly record struct Pass(bool WroteResults, DateTimeOffset? ClaimedElsewhereUntil);
}
