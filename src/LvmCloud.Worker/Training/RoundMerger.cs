using System.Diagnostics;
using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Merges a round once all its K shard jobs are in, exactly once, with the batch finalizer's claim protocol: the round
/// row moves <c>training</c> → <c>merging</c> with a fresh claim id under its ETag (only one caller wins); the claimer
/// averages the K shards' weights, applies the outer Nesterov step (<see cref="OuterStep"/>) to the round's base,
/// writes round r+1's base (weights and momentum), measures the eval loss, and commits by creating
/// <c>rounds/{r}/merge.json</c> (If-None-Match, stamped with its claim id); then it marks the round merged and starts
/// the next round, or registers the model after the last one. A failure releases the claim (the next delivery takes
/// over at once); a claimer that died is taken over after <see cref="TrainingWorkerOptions.MergeClaimLease"/>; a
/// caller that finds a live claim waits for it, so the last shard's message is deleted only once the round is merged.
/// A merge reads the base and the K results: its work does not grow with the rounds.
/// </summary>
public sealed class RoundMerger(
    StorageClients clients,
    TrainingStateStore state,
    TrainingRounds rounds,
    RunFiles runs,
    TrainingData data,
    TransformerSource transformers,
    ModelRegistrar registrar,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<RoundMerger> logger)
{
    /// <summary>Blob metadata key on <c>merge.json</c> naming the claim that wrote it.</summary>
    public const string ClaimMetadataKey = "mergeclaim";

    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);
    private readonly TrainingWorkerOptions _options = options.Value;

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
            if (row.State == RoundStates.Merged)
            {
                await AdvanceAsync(runId, round, cancellationToken);
                return false;
            }
            var now = time.GetUtcNow();
            if (row.State == RoundStates.Merging && row.MergeClaimedAt + _options.MergeClaimLease > now)
            {
                await Task.Delay(poll, time, cancellationToken);
                continue;
            }
            var retaken = row.State == RoundStates.Merging;
            var claimId = Guid.NewGuid().ToString("N");
            row.State = RoundStates.Merging;
            row.MergeClaimId = claimId;
            row.MergeClaimedAt = now;
            if (!await state.TryUpdateAsync(row, cancellationToken))
                continue; // another caller claimed it first, or a count moved: look again
            if (retaken)
                logger.LogWarning("Run {RunId}: took over the lapsed merge claim of round {Round}", runId, round);
            try
            {
                var did = await MergeAsync(runId, round, claimId, cancellationToken);
                await AdvanceAsync(runId, round, cancellationToken);
                return did;
            }
            catch (Exception e)
            {
                logger.LogError("Run {RunId}: the merge of round {Round} failed ({Error}); releasing the claim", runId, round, e.Message);
                await ReleaseAsync(runId, round, claimId);
                throw;
            }
        }
    }

    /// <summary>The claimed merge; false when another claim's record was found (its outer step stands).</summary>
    private async Task<bool> MergeAsync(string runId, int round, string claimId, CancellationToken cancellationToken)
    {
        var run = await runs.GetAsync(runId, cancellationToken);
        var record = await ReadRecordAsync(runId, round, cancellationToken);
        var did = false;
        if (record is null)
        {
            record = await OuterStepAsync(run, round, claimId, cancellationToken);
            did = await TryWriteRecordAsync(runId, record, cancellationToken);
            if (!did)
                record = await ReadRecordAsync(runId, round, cancellationToken) ?? record;
        }
        var mergedRecord = record;
        var merged = await state.UpdateRoundAsync(runId, round, r =>
        {
            if (r.State == RoundStates.Merged || r.MergeClaimId != claimId) return false;
            r.State = RoundStates.Merged;
            r.MergedAt = mergedRecord.MergedAt;
            r.TrainLoss = mergedRecord.TrainLoss;
            r.EvalLoss = mergedRecord.EvalLoss;
            r.MergeSeconds = mergedRecord.MergeSeconds;
            r.EvalSeconds = mergedRecord.EvalSeconds;
            return true;
        }, cancellationToken);
        if (merged?.State != RoundStates.Merged)
        {
            logger.LogWarning("Run {RunId}: the merge claim of round {Round} was taken over; leaving the round to its new claimer", runId, round);
            return false;
        }
        if (did)
            logger.LogInformation("Run {RunId}: round {Round} merged from {Shards} shards: train loss {Train:F4}, eval loss {Eval}, merge {Merge:F1} s, eval {EvalSeconds:F1} s",
                runId, round, record.Shards, record.TrainLoss ?? double.NaN, record.EvalLoss?.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                record.MergeSeconds, record.EvalSeconds);
        return did;
    }

    /// <summary>Averages the K results, applies the outer step to the round's base and writes round r+1's base.</summary>
    private async Task<MergeRecord> OuterStepAsync(RunDefinition run, int round, string claimId, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var spec = run.Spec;
        var (model, _) = await transformers.LoadBaseAsync(run, round, transformers.Device, cancellationToken);
        using var baseModel = model;
        var momentum = await transformers.LoadMomentumAsync(run.RunId, round, cancellationToken);
        Dictionary<string, Tensor>? next = null;
        try
        {
            using var step = new OuterStep();
            for (var k = 0; k < spec.ShardsPerRound; k++)
            {
                var result = await TrainShardJobHandler.ReadResultAsync(transformers.ShardFolder(run.RunId, round, k), cancellationToken)
                    ?? throw new PermanentJobException($"Run {run.RunId}: shard {k} of round {round} is recorded done but has no result.json.");
                using var shardModel = TransformerSource.Blank(baseModel.Config, CPU);
                await transformers.LoadShardWeightsAsync(run.RunId, round, k, result.Checkpoint, shardModel, cancellationToken);
                step.Add(shardModel);
            }
            next = step.Apply(baseModel, momentum, ShardTraining.Outer(spec));
            await transformers.WriteBaseAsync(run.RunId, round + 1, baseModel, next, cancellationToken);
        }
        finally
        {
            foreach (var t in (momentum?.Values.AsEnumerable() ?? []).Concat(next?.Values.AsEnumerable() ?? []))
                t.Dispose();
        }
        var mergeSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        double? evalLoss = null;
        var (eval, _) = await data.LoadEvalAsync(run.Plan, baseModel.Config.VocabSize, cancellationToken);
        if (eval is not null)
        {
            var evalOptions = ShardTraining.Options(spec, 0);
            using var unused = TransformerOptimizer.Create(baseModel, evalOptions);
            evalLoss = new TransformerInnerLoop(baseModel, unused, evalOptions).Evaluate(eval);
        }
        var shards = await state.GetShardsAsync(run.RunId, round, cancellationToken);
        var losses = shards.Where(s => s.MeanLoss is { } l && double.IsFinite(l)).Select(s => s.MeanLoss!.Value).ToList();
        return new MergeRecord(round, spec.ShardsPerRound, losses.Count > 0 ? losses.Average() : null, evalLoss is { } e && double.IsFinite(e) ? e : null,
            mergeSeconds, clock.Elapsed.TotalSeconds, claimId, time.GetUtcNow());
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
                r.State = RunStates.Finished;
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
                r.State = RunStates.Cancelled;
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

    /// <summary>Creates <c>merge.json</c> once; true when this claim wrote it (also by an earlier try whose reply was lost).</summary>
    private async Task<bool> TryWriteRecordAsync(string runId, MergeRecord record, CancellationToken cancellationToken)
    {
        var path = TrainingLayout.MergeRecordPath(runId, record.Round);
        var metadata = new Dictionary<string, string> { [ClaimMetadataKey] = record.ClaimId };
        if (await clients.TrainingFiles.TryWriteTextAsync(path, JsonSerializer.Serialize(record, PlatformJson.Web), FileWriteOptions.CreateOnce(metadata, ContentTypes.Json), cancellationToken) is not null)
            return true;
        var properties = await clients.TrainingFiles.GetInfoAsync(path, cancellationToken);
        return properties is not null && properties.Metadata.TryGetValue(ClaimMetadataKey, out var writer) && writer == record.ClaimId;
    }

    /// <summary>Makes a failed claim lapse at once so the next delivery takes over; best effort (else it lapses by itself).</summary>
    private async Task ReleaseAsync(string runId, int round, string claimId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ReleaseTimeout);
            await state.UpdateRoundAsync(runId, round, r =>
            {
                if (r.State != RoundStates.Merging || r.MergeClaimId != claimId) return false;
                r.State = RoundStates.Training;
                r.MergeClaimId = null;
                r.MergeClaimedAt = null;
                return true;
            }, timeout.Token);
        }
        catch (Exception e)
        {
            logger.LogWarning("Run {RunId}: the merge claim of round {Round} could not be released ({Error}); it lapses after {Lease}", runId, round, e.Message, _options.MergeClaimLease);
        }
    }
}
