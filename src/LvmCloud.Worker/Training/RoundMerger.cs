using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State.Leases;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Merges a round once all its K shard jobs are in, exactly once, under the round row's merge lease
/// (<see cref="RoundEntity.MergeLease"/>: <c>training</c> → <c>merging</c>, one claimant wins): the claimer runs the
/// <see cref="RoundOuterStep"/>, commits by creating <c>rounds/{r}/merge.json</c> (<see cref="ClaimStampedBlob"/>),
/// finishes the lease (the round is merged) and then starts the next round, or registers the model after the last one.
/// A failure releases the lease (the next delivery takes over at once); a claimer that died is taken over after
/// <see cref="TrainingWorkerOptions.MergeClaimLease"/>; a caller that finds a live claim waits for it, so the last
/// shard's message is deleted only once the round is merged.
/// </summary>
public sealed class RoundMerger(
    StorageClients clients,
    TrainingStateStore state,
    TrainingRounds rounds,
    RunFiles runs,
    RoundOuterStep outerStep,
    ModelRegistrar registrar,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<RoundMerger> logger)
{
    /// <summary>Blob metadata key on <c>merge.json</c> naming the claim that wrote it.</summary>
    public const string ClaimMetadataKey = "mergeclaim";

    private readonly TrainingWorkerOptions _options = options.Value;
    private readonly TableLease<RoundEntity> _lease = new(clients.JobState, RoundEntity.MergeLease, options.Value.MergeClaimLease, time, logger);

    /// <summary>
    /// Merges round <paramref name="round"/> if all its shards succeeded and nobody else is merging it (waiting out a
    /// live claim), then moves the run on. True when this call did the outer step.
    /// </summary>
    public async Task<bool> CloseRoundAsync(string runId, int round, CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, _options.MergeClaimLease.Ticks / 5));
        while (true)
        {
            var row = await state.GetRoundAsync(runId, round, cancellationToken);
            if (row is null || !row.AllShardsDone)
                return false;
            if (row.ShardsSucceeded < row.Shards)
            {
                await rounds.CloseIfStoppedAsync(runId, round, cancellationToken);
                return false;
            }
            var run = await state.GetRunAsync(runId, cancellationToken);
            if (run is null || run.State != RunStates.Running)
                return false;
            var claimId = TableLease<RoundEntity>.NewHolder();
            var claim = await _lease.ClaimAsync(row, claimId, r => r.State is RoundStates.Training or RoundStates.Merging && r.ShardsSucceeded >= r.Shards, null, cancellationToken);
            if (claim.Outcome is LeaseClaimOutcome.HeldElsewhere or LeaseClaimOutcome.Contended)
            {
                await Task.Delay(poll, time, cancellationToken);
                continue;
            }
            if (!claim.Claimed)
            {
                if (claim.Row?.State == RoundStates.Merged)
                    await AdvanceAsync(runId, round, cancellationToken);
                return false;
            }
            try
            {
                var did = await MergeAsync(runId, claim.Row!, claimId, cancellationToken);
                await AdvanceAsync(runId, round, cancellationToken);
                return did;
            }
            catch (Exception e)
            {
                logger.LogError("Run {RunId}: the merge of round {Round} failed ({Error}); releasing the claim", runId, round, e.Message);
                await _lease.ReleaseAsync(claim.Row!, claimId, r => r.State = RoundStates.Training);
                throw;
            }
        }
    }

    /// <summary>The claimed merge; false when another claim's record was found (its outer step stands).</summary>
    private async Task<bool> MergeAsync(string runId, RoundEntity row, string claimId, CancellationToken cancellationToken)
    {
        var round = row.Round;
        var run = await runs.GetAsync(runId, cancellationToken);
        var record = await ReadRecordAsync(runId, round, cancellationToken);
        var did = false;
        if (record is null)
        {
            record = await outerStep.RunAsync(run, round, claimId, cancellationToken);
            did = await ClaimStampedBlob.TryCreateAsync(clients.TrainingFiles, TrainingLayout.MergeRecordPath(runId, round), JsonSerializer.Serialize(record, PlatformJson.Web), ContentTypes.Json, ClaimMetadataKey, claimId, cancellationToken);
            if (!did)
                record = await ReadRecordAsync(runId, round, cancellationToken) ?? record;
        }
        var mergedRecord = record;
        var finish = await _lease.FinishAsync(row, claimId, r => r.State == RoundStates.Merged, r =>
        {
            r.State = RoundStates.Merged;
            r.MergedAt = mergedRecord.MergedAt;
            r.TrainLoss = mergedRecord.TrainLoss;
            r.EvalLoss = mergedRecord.EvalLoss;
            r.Drift = mergedRecord.Drift;
            r.MergeSeconds = mergedRecord.MergeSeconds;
            r.EvalSeconds = mergedRecord.EvalSeconds;
            r.ShardBytesRead = mergedRecord.ShardBytesRead;
        }, cancellationToken);
        if (finish == LeaseFinish.Lost)
        {
            logger.LogWarning("Run {RunId}: the merge claim of round {Round} was taken over; leaving the round to its new claimer", runId, round);
            return false;
        }
        if (did)
            logger.LogInformation("Run {RunId}: round {Round} merged from {Shards} shards: train loss {Train:F4}, eval loss {Eval}, drift {Drift}, merge {Merge:F1} s, eval {EvalSeconds:F1} s",
                runId, round, record.Shards, record.TrainLoss ?? double.NaN, record.EvalLoss?.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                record.Drift?.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                record.MergeSeconds, record.EvalSeconds);
        return did;
    }

    /// <summary>
    /// Moves the run past a merged round: registers the model after the last round, stops a run whose cancel was
    /// requested, or starts the next round. Each is idempotent, so a redelivery that finds the round merged finishes
    /// whatever a crashed merger left undone.
    /// </summary>
    private async Task AdvanceAsync(string runId, int round, CancellationToken cancellationToken)
    {
        var run = await state.GetRunAsync(runId, cancellationToken);
        if (run is null || run.State != RunStates.Running || run.Round > round + 1)
            return;
        if (await state.GetRoundAsync(runId, round, cancellationToken) is not { State: RoundStates.Merged })
            return; // another claim is still merging it: that claimer moves the run on
        if (round + 1 >= run.Rounds)
        {
            var definition = await runs.GetAsync(runId, cancellationToken);
            var model = await registrar.RegisterAsync(definition, run, cancellationToken);
            var finished = await state.UpdateRunAsync(runId, r =>
            {
                if (r.State != RunStates.Running) return false;
                TrainingRunLifecycle.Move(r, RunStates.Finished);
                r.Round = r.Rounds;
                r.FinishedAt = time.GetUtcNow();
                return true;
            }, cancellationToken);
            if (finished?.State == RunStates.Finished)
                logger.LogInformation("Run {RunId} finished after {Rounds} rounds: registered {Model}", runId, run.Rounds, model);
        }
        else if (run.CancelRequested)
        {
            await state.UpdateRunAsync(runId, r =>
            {
                if (r.State != RunStates.Running) return false;
                TrainingRunLifecycle.Move(r, RunStates.Cancelled);
                r.Round = round + 1;
                r.FinishedAt = time.GetUtcNow();
                r.Reason = $"Cancelled after round {round} was merged; resume starts round {round + 1}.";
                return true;
            }, cancellationToken);
            logger.LogInformation("Run {RunId} cancelled after round {Round}", runId, round);
        }
        else
        {
            await rounds.EnsureStartedAsync(run, round + 1, cancellationToken);
        }
        await rounds.WriteSnapshotAsync(runId, cancellationToken);
    }

    private async Task<MergeRecord?> ReadRecordAsync(string runId, int round, CancellationToken cancellationToken)
    {
        try
        {
            var content = await clients.TrainingFiles.ReadAllTextAsync(TrainingLayout.MergeRecordPath(runId, round), cancellationToken);
            return JsonSerializer.Deserialize<MergeRecord>(content, PlatformJson.Web);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
