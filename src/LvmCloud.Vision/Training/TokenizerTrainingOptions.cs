namespace LvmCloud.Vision.Training;

/// <summary>Hyper-parameters of a VQGAN tokenizer training run.</summary>
/// <param name="L1Weight">Weight of the L1 reconstruction term.</param>
/// <param name="L2Weight">Weight of the L2 (MSE) reconstruction term.</param>
/// <param name="RestartEvery">Every this many steps, codes no image used since the last restart are re-seeded
/// from random encoder outputs of the current batch (dead-code restart, against codebook collapse). 0 disables.</param>
/// <param name="EvalImages">Held-out images used for PSNR and codebook usage at each evaluation.</param>
public sealed record TokenizerTrainingOptions(
    int Steps = 2000,
    int BatchSize = 32,
    double PeakLr = 1e-3,
    int WarmupSteps = 50,
    double EndLr = 5e-5,
    double L1Weight = 1.0,
    double L2Weight = 1.0,
    int RestartEvery = 50,
    int Seed = 0,
    int EvalEvery = 200,
    int CheckpointEvery = 200,
    int LogEvery = 10,
    int EvalImages = 256,
    int? StopAfterStep = null)
{
    public void Validate()
    {
        if (Steps <= 0 || BatchSize <= 0) throw new ArgumentException("--steps and --batch-size must be positive.");
        if (WarmupSteps < 0 || WarmupSteps >= Steps) throw new ArgumentException("--warmup must be in [0, steps).");
        if (L1Weight < 0 || L2Weight < 0 || L1Weight + L2Weight == 0) throw new ArgumentException("At least one of the L1/L2 weights must be positive.");
        if (CheckpointEvery <= 0 || LogEvery <= 0) throw new ArgumentException("--checkpoint-every and --log-every must be positive.");
    }
}
