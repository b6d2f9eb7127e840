using LvmCloud.Core.Manifests;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Training;

namespace LvmCloud.Worker.Training;

/// <summary>How a run's spec becomes the inner loop's options for one shard.</summary>
public static class ShardTraining
{
    /// <summary>The kind stamped on a shard job's checkpoints (a checkpoint of another trainer is never resumed).</summary>
    public const string CheckpointKind = "train-shard";

    /// <summary>
    /// The data-order seed of a shard: the run's own seed for shard 0 (so one shard per round draws exactly the batches
    /// <c>lvm train --seed</c> draws), a stable derivation for the others, so shards never share an order.
    /// </summary>
    public static int Seed(int runSeed, int shard) =>
        shard == 0 ? runSeed : (int)(StableSeed.Derive(runSeed, $"train-shard/{shard}") % int.MaxValue);

    /// <summary>
    /// The inner loop's options: one schedule over the run's R × H steps (step s of round r is schedule step s), the
    /// checkpoint interval, no periodic evaluation (the merge evaluates the merged weights).
    /// </summary>
    public static TransformerTrainingOptions Options(TrainingRunSpec spec, int shard)
    {
        var inner = spec.InnerOrDefault;
        return new TransformerTrainingOptions(
            Steps: (int)spec.TotalInnerSteps,
            BatchSize: inner.BatchSize,
            GradientAccumulation: inner.GradientAccumulation,
            PeakLr: inner.LearningRate,
            WarmupSteps: inner.WarmupSteps,
            EndLr: inner.EndLearningRate,
            WeightDecay: inner.WeightDecay,
            Beta1: inner.Beta1,
            Beta2: inner.Beta2,
            ClipNorm: inner.ClipNorm,
            Seed: Seed(spec.Seed, shard),
            EvalEvery: 0,
            CheckpointEvery: spec.CheckpointInterval,
            LogEvery: 1,
            EvalBatches: spec.EvalBatches);
    }

    /// <summary>How the shards' outer gradients are compressed (<c>outer.compression</c>), or null when lossless.</summary>
    public static OuterGradientPrecision? Compression(TrainingRunSpec spec) => spec.OuterOrDefault.CompressionOrDefault switch
    {
        "int8" => OuterGradientPrecision.Int8,
        "int4" => OuterGradientPrecision.Int4,
        _ => null,
    };

    public static OuterStepSettings Outer(TrainingRunSpec spec) =>
        new(spec.OuterOrDefault.LearningRate, spec.OuterOrDefault.Momentum, spec.OuterOrDefault.Nesterov);
}
