using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;

namespace LvmCloud.Worker.Training;

/// <summary>
/// A round's merge computation, for the <see cref="RoundMerger"/> that holds the round's merge lease: averages the K
/// shards' weights (or, when a shard's result names a compressed outer gradient, θ_base − δ̂_k from that file: see
/// <see cref="ShardDeltaFiles"/>), applies the outer Nesterov step (<see cref="OuterStep"/>) to the round's base, writes round r+1's
/// base (weights and momentum) and measures the eval loss. It reads the base and the K results: its work does not grow
/// with the rounds.
/// </summary>
public sealed class RoundOuterStep(TrainingStateStore state, TrainingData data, TransformerSource transformers, TimeProvider time)
{
    /// <summary>Averages the K results (counting the bytes read from the shards), applies the outer step to the round's base and writes round r+1's base.</summary>
    public async Task<MergeRecord> RunAsync(RunDefinition run, int round, string claimId, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var spec = run.Spec;
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
            mergeSeconds, clock.Elapsed.TotalSeconds, claimId, time.GetUtcNow(), Drift: drift, ShardBytesRead: shardBytes);
    }
}
