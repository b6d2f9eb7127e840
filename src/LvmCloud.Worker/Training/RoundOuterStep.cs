using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace LvmCloud.Worker.Training;

/// <summary>
/// A round's merge computation, for the <see cref="RoundMerger"/> that holds the round's merge lease: averages the K
/// shards' weights (or, when a shard's result names a compressed outer gradient, θ_base − δ̂_k from that file: see
/// <see cref="ShardDeltaFiles"/>), applies the outer Nesterov step (<see cref="OuterStep"/>) to the round's base, writes round r+1's
/// base (weights and momentum) and measures the eval loss. It reads the base and the K results: its work does not grow
/// with the rounds. Before it loads any weight it plans its memory (<see cref="MergePlan"/>) and logs the plan; a merge
/// that cannot fit fails for good, with the plan's numbers, and leaves every shard's result in place for a resume.
/// </summary>
public sealed class RoundOuterStep(TrainingStateStore state, TrainingData data, TransformerSource transformers, TimeProvider time, ILogger<RoundOuterStep> logger)
{
    /// <summary>Averages the K results (counting the bytes read from the shards), applies the outer step to the round's base and writes round r+1's base.</summary>
    /// <exception cref="ModelDoesNotFitJobException">The merge's peak does not fit this worker's memory (nothing was loaded).</exception>
    public async Task<MergeRecord> RunAsync(RunDefinition run, int round, string claimId, CancellationToken cancellationToken)
    {
        var spec = run.Spec;
        var evalClock = Stopwatch.StartNew();
        var config = await transformers.ConfigAsync(run, cancellationToken);
        var (eval, _) = await data.LoadEvalAsync(run.Plan, config.VocabSize, cancellationToken);
        var evalOptions = ShardTraining.Options(spec, 0);
        var evalLoadSeconds = evalClock.Elapsed.TotalSeconds;
        EnsureMemoryFits(run.RunId, round, MemoryPlanner.PlanMerge(config, transformers.MergeBudget(), spec.ShardsPerRound, hasMomentum: round > 0,
            ShardTraining.Compression(spec), eval is null ? 0 : evalOptions.BatchSize, eval?.Length ?? 0));

        var clock = Stopwatch.StartNew();
        var (model, _) = await transformers.LoadBaseAsync(run, round, transformers.Device, cancellationToken);
        using var baseModel = model;
        var momentum = await transformers.LoadMomentumAsync(run.RunId, round, cancellationToken);
        Dictionary<string, Tensor>? next = null;
        double? drift = null;
        long shardBytes = 0;
        try
        {
            using var step = new OuterStep();
            for (var k = 0; k < spec.ShardsPerRound; k++)
            {
                var result = await TrainShardJobHandler.ReadResultAsync(transformers.ShardFolder(run.RunId, round, k), cancellationToken)
                    ?? throw new PermanentJobException($"Run {run.RunId}: shard {k} of round {round} is recorded done but has no result.json.");
                if (result.Delta is { } deltaName)
                {
                    var (delta, bytes) = await new ShardDeltaFiles(transformers, run.RunId, round, k).ReadAsync(deltaName, cancellationToken);
                    try
                    {
                        step.AddDelta(baseModel, delta);
                    }
                    finally
                    {
                        foreach (var t in delta.Values) t.Dispose();
                    }
                    shardBytes += bytes;
                }
                else
                {
                    using var shardModel = TransformerSource.Blank(baseModel.Config, CPU);
                    shardBytes += await transformers.LoadShardWeightsAsync(run.RunId, round, k, result.Checkpoint, shardModel, cancellationToken);
                    step.Add(shardModel);
                }
            }
            next = step.Apply(baseModel, momentum, ShardTraining.Outer(spec));
            drift = step.Drift;
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
        if (eval is not null)
            evalLoss = TransformerInnerLoop.Evaluate(baseModel, eval, evalOptions.BatchSize, evalOptions.EvalBatches);
        var shards = await state.GetShardsAsync(run.RunId, round, cancellationToken);
        var losses = shards.Where(s => s.MeanLoss is { } l && double.IsFinite(l)).Select(s => s.MeanLoss!.Value).ToList();
        return new MergeRecord(round, spec.ShardsPerRound, losses.Count > 0 ? losses.Average() : null, evalLoss is { } e && double.IsFinite(e) ? e : null,
            mergeSeconds, evalLoadSeconds + clock.Elapsed.TotalSeconds, claimId, time.GetUtcNow(), Drift: drift, ShardBytesRead: shardBytes);
    }

    /// <summary>
    /// Logs <paramref name="plan"/>, or fails the merge for good when it does not fit: another delivery on this worker
    /// cannot fit it either, and the round's shard results stay where they are, so the run (failed with the plan's
    /// numbers) resumes on a worker with the memory.
    /// </summary>
    private void EnsureMemoryFits(string runId, int round, MergePlan plan)
    {
        if (!plan.Fits)
        {
            var refusal = new ModelDoesNotFitException(plan);
            logger.LogWarning("Run {RunId}: the merge of round {Round} does not fit this worker: {Refusal}", runId, round, refusal.Message);
            throw new ModelDoesNotFitJobException(
                $"{refusal.Code}: the merge of round {round} of run {runId} does not fit this worker. {refusal.Message} " +
                $"The shards' results are kept: on a worker with at least {ByteSize.Gb(plan.TotalBytes)} free, `lvm runs resume {runId}` merges the round again.", refusal);
        }
        logger.LogInformation("Run {RunId}: merge of round {Round}: memory plan {Plan}", runId, round, plan.Describe());
    }
}
