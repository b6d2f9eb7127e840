namespace LvmCloud.Vision.Memory;

/// <summary>
/// One labelled amount of a memory plan ("base copy for the outer gradient 26.18 GB"), named as it is in the plan's line
/// and its refusal.
/// </summary>
/// <param name="Label">What is held, in the plan's words.</param>
/// <param name="Bytes">How much of it.</param>
/// <param name="Avoid">The setting that would not hold it (<c>outer.compression none</c>), offered as a fix when the plan fits without it; null when nothing avoids it.</param>
public sealed record PlanItem(string Label, long Bytes, string? Avoid = null)
{
    /// <summary>"label 26.18 GB".</summary>
    public override string ToString() => $"{Label} {ByteSize.Gb(Bytes)}";
}
