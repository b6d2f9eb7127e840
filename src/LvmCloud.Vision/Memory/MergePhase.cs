namespace LvmCloud.Vision.Memory;

/// <summary>One phase of a DiLoCo merge and what is alive at its peak (<see cref="MergePlan"/>).</summary>
/// <param name="Name">What the merge is doing ("reading the shards", "the outer step", "the eval pass").</param>
/// <param name="Items">What it holds then, each with its bytes.</param>
public sealed record MergePhase(string Name, IReadOnlyList<PlanItem> Items)
{
    /// <summary>The phase's bytes, without the runtime.</summary>
    public long Bytes => Items.Sum(i => i.Bytes);

    /// <summary>"base weights 0.01 GB + running sum (float64) 0.01 GB + ...".</summary>
    public string Breakdown() => string.Join(" + ", Items);
}
