namespace LvmCloud.Core.Training;

/// <summary>
/// LVM's schedule shape (EasyLM's warmup + cosine decay): linear warmup from 0 to <see cref="PeakLr"/>
/// over <see cref="WarmupSteps"/>, then cosine decay to <see cref="EndLr"/> at <see cref="TotalSteps"/>.
/// </summary>
public sealed record LearningRateSchedule(double PeakLr, int WarmupSteps, int TotalSteps, double EndLr)
{
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakLr * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return EndLr;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return EndLr + 0.5 * (PeakLr - EndLr) * (1 + Math.Cos(Math.PI * progress));
    }
}
