namespace LvmCloud.Platform.Training;

/// <summary>
/// The inner optimizer of every shard job: AdamW (only Linear weights decay), LVM's schedule (linear warmup, cosine decay)
/// over the run's R × H inner steps, global-norm clipping. Each shard keeps its own AdamW state from round to round, as
/// DiLoCo's workers do.
/// </summary>
/// <param name="BatchSize">Sequences per micro-batch of one shard job.</param>
/// <param name="GradientAccumulation">Micro-batches per inner step.</param>
public sealed record InnerOptimizerSpec(
    int BatchSize = 8,
    int GradientAccumulation = 1,
    double LearningRate = 1e-3,
    double EndLearningRate = 1e-4,
    int WarmupSteps = 50,
    double WeightDecay = 0.05,
    double Beta1 = 0.9,
    double Beta2 = 0.95,
    double ClipNorm = 1.0)
{
    public IEnumerable<string> Validate(long totalSteps)
    {
        if (BatchSize is < 1 or > 4096)
            yield return $"inner.batchSize must be between 1 and 4096, got {BatchSize}";
        if (GradientAccumulation is < 1 or > 1024)
            yield return $"inner.gradientAccumulation must be between 1 and 1024, got {GradientAccumulation}";
        if (!(LearningRate > 0 && LearningRate <= 1))
            yield return $"inner.learningRate must be in (0, 1], got {LearningRate}";
        if (!(EndLearningRate >= 0 && EndLearningRate <= LearningRate))
            yield return $"inner.endLearningRate must be in [0, learningRate], got {EndLearningRate}";
        if (WarmupSteps < 0 || (totalSteps > 0 && WarmupSteps >= totalSteps))
            yield return $"inner.warmupSteps must be in [0, rounds x innerSteps = {totalSteps}), got {WarmupSteps}";
        if (!(WeightDecay >= 0 && WeightDecay <= 1))
            yield return $"inner.weightDecay must be in [0, 1], got {WeightDecay}";
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
            yield return $"inner.beta1 and inner.beta2 must be in [0, 1), got {Beta1} and {Beta2}";
        if (!(ClipNorm > 0 && double.IsFinite(ClipNorm)))
            yield return $"inner.clipNorm must be positive, got {ClipNorm}";
    }
}
