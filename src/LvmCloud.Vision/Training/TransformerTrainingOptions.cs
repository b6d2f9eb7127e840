namespace LvmCloud.Vision.Training;

/// <summary>Hyper-parameters of a transformer training run (next-token cross-entropy on visual sentences).</summary>
/// <param name="Steps">Optimizer steps in the whole run (the schedule's length).</param>
/// <param name="BatchSize">Sequences per micro-batch.</param>
/// <param name="GradientAccumulation">Micro-batches summed into one optimizer step.</param>
/// <param name="PeakLr">Learning rate after warmup.</param>
/// <param name="WarmupSteps">Linear warmup length.</param>
/// <param name="EndLr">Learning rate at the end of the cosine decay.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay of the Linear layers' weights; embeddings, norms and biases never
/// decay (<see cref="TransformerOptimizer"/>). LVM: 0.1 for large runs.</param>
/// <param name="ClipNorm">Global gradient-norm clip (LVM/EasyLM: 1.0).</param>
/// <param name="Seed">Seeds the initial weights and the data order.</param>
/// <param name="EvalEvery">Steps between evaluations on held-out data (0: never).</param>
/// <param name="CheckpointEvery">Steps between checkpoints (the last step always checkpoints).</param>
/// <param name="LogEvery">Steps between loss-log rows.</param>
/// <param name="EvalBatches">Held-out micro-batches per evaluation.</param>
/// <param name="StopAfterStep">Stop early after this step (for tests of resume; null: run to the end).</param>
public sealed record TransformerTrainingOptions(
    int Steps = 1000,
    int BatchSize = 8,
    int GradientAccumulation = 1,
    double PeakLr = 1e-3,
    int WarmupSteps = 50,
    double EndLr = 1e-4,
    double WeightDecay = 0.01,
    double Beta1 = 0.9,
    double Beta2 = 0.95,
    double ClipNorm = 1.0,
    int Seed = 0,
    int EvalEvery = 100,
    int CheckpointEvery = 100,
    int LogEvery = 10,
    int EvalBatches = 4,
    int? StopAfterStep = null)
{
    public void Validate()
    {
        if (Steps <= 0) throw new ArgumentException("--steps must be positive.");
        if (BatchSize <= 0) throw new ArgumentException("--batch-size must be positive.");
        if (GradientAccumulation <= 0) throw new ArgumentException("--grad-accum must be positive.");
        if (PeakLr <= 0 || EndLr < 0) throw new ArgumentException("Learning rates must be positive.");
        if (WarmupSteps < 0 || WarmupSteps >= Steps) throw new ArgumentException("--warmup must be in [0, steps).");
        if (ClipNorm <= 0) throw new ArgumentException("--clip must be positive.");
        if (CheckpointEvery <= 0 || LogEvery <= 0) throw new ArgumentException("--checkpoint-every and --log-every must be positive.");
    }
}
