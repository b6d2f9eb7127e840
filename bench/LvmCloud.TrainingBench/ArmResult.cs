using LvmCloud.Platform.Training;

namespace LvmCloud.TrainingBench;

/// <summary>A finished DiLoCo arm: its points per round (losses, tokens so far, drift), the run's status and its wall time.</summary>
internal sealed record ArmResult(DiLoCoArm Arm, IReadOnlyList<RoundPoint> Points, TrainingRunStatus Status, TimeSpan Wall)
{
    public static ArmResult From(DiLoCoArm arm, TrainingRunStatus status, TimeSpan wall)
    {
        long tokens = 0;
        var points = status.History.OrderBy(r => r.Round)
            .Select(r => new RoundPoint(r.Round, (r.Round + 1) * arm.InnerSteps, tokens += r.Tokens, r.TrainLoss ?? double.NaN, r.EvalLoss, r.Drift, r.ShardBytesRead))
            .ToList();
        return new ArmResult(arm, points, status, wall);
    }
}
