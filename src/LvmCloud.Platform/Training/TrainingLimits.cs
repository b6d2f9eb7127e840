namespace LvmCloud.Platform.Training;

/// <summary>Bounds on a run's settings: each keeps one message, one state row or one merge's work bounded.</summary>
public static class TrainingLimits
{
    public const int MaxRounds = 100_000;
    /// <summary>A merge reads every shard's weights once: K models.</summary>
    public const int MaxShardsPerRound = 64;
    public const int MaxInnerSteps = 1_000_000;
    public const long MaxTotalInnerSteps = int.MaxValue;
    public const int MaxEvalBatches = 1000;
    public const int MaxDataEntries = 1000;
    /// <summary>Files a run's data may resolve to (a plan lists each with its version).</summary>
    public const int MaxDataFiles = 10_000;
    /// <summary>Largest <c>run.json</c> read.</summary>
    public const int MaxSpecBytes = 1 << 20;
}
