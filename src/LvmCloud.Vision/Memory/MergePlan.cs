using LvmCloud.Vision.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What a DiLoCo round's merge will cost before anything of it is loaded, against what the process may use: the
/// peak of its phases (<see cref="OuterStepFootprint"/> counts each) plus the runtime. The merge works in the CPU's
/// memory (the running sum, the momenta and the shards' weights live there whatever the worker's device). Made by
/// <see cref="MemoryPlanner.PlanMerge"/>.
/// </summary>
/// <param name="Footprint">The transformer's outer-step sizes.</param>
/// <param name="Shards">The K shards merged, read one at a time.</param>
/// <param name="HasMomentum">Whether a previous round's momentum is loaded (every round after the first).</param>
/// <param name="Compression">The precision of the shards' outer gradients; null when the merge reads their weights.</param>
/// <param name="EvalBatchSize">Sequences per eval micro-batch; 0 when the run has no eval data.</param>
/// <param name="EvalSequenceLength">Tokens per eval sequence; 0 when the run has no eval data.</param>
/// <param name="Budget">What the process may use.</param>
public sealed record MergePlan(
    OuterStepFootprint Footprint,
    int Shards,
    bool HasMomentum,
    OuterGradientPrecision? Compression,
    int EvalBatchSize,
    int EvalSequenceLength,
    MemoryBudget Budget)
{
    /// <summary>The phases in the order the merge runs them, each with what it holds at its peak.</summary>
    public IReadOnlyList<MergePhase> Phases
    {
        get
        {
            var f = Footprint;
            var baseWeights = new PlanItem("base weights", f.WeightBytes);
            var sum = new PlanItem("running sum (float64)", f.SumBytes);
            PlanItem[] held = HasMomentum ? [baseWeights, sum, new PlanItem("previous momentum", f.WeightBytes)] : [baseWeights, sum];
            var shard = Compression is { } precision
                ? new PlanItem($"one shard's {OuterGradientCodec.Name(precision)} outer gradient decoded to float64",
                    f.SumBytes + f.EncodedDeltaBytes(precision) + f.TemporaryBytes(OuterStepFootprint.DecodeCopies))
                : new PlanItem("one shard's weights", f.WeightBytes + f.TemporaryBytes(OuterStepFootprint.AddCopies));
            var phases = new List<MergePhase>
            {
                new("reading the shards", [.. held, shard]),
                new("the outer step", [.. held, new PlanItem("next momentum and the step's float64 temporaries", f.WeightBytes + f.TemporaryBytes(OuterStepFootprint.ApplyCopies))]),
            };
            if (EvalBatchSize > 0)
            {
                string batch = EvalBatchSize == 1 ? "1 sequence" : $"a batch of {EvalBatchSize} sequences";
                phases.Add(new("the eval pass", [baseWeights, new PlanItem($"{batch} of {EvalSequenceLength} tokens", EvalBatchSize * EvalBytesPerSequence)]));
            }
            return phases;
        }
    }

    /// <summary>One eval sequence's activations (<see cref="TrainingFootprint.EvalActivationBytesPerSequence"/>).</summary>
    public long EvalBytesPerSequence => new TrainingFootprint(Footprint.Config).EvalActivationBytesPerSequence(EvalSequenceLength);

    /// <summary>The phase that holds the most.</summary>
    public MergePhase Peak => Phases.MaxBy(p => p.Bytes)!;

    /// <summary>The peak phase and the runtime (<see cref="MemoryPlan.RuntimeOverheadBytes"/>).</summary>
    public long TotalBytes => Peak.Bytes + MemoryPlan.RuntimeOverheadBytes;

    /// <summary>Whether the free memory is known; when it is not, nothing is refused.</summary>
    public bool Known => Budget.FreeBytes is not null;

    /// <summary>Whether the merge fits (always, when the free memory is unknown).</summary>
    public bool Fits => Budget.FreeBytes is not { } free || TotalBytes <= free;

    /// <summary>"reading the shards 0.01 GB, the outer step 0.01 GB, the eval pass 0.00 GB": every phase's bytes (without the runtime).</summary>
    public string PhaseTotals() => string.Join(", ", Phases.Select(p => $"{p.Name} {ByteSize.Gb(p.Bytes)}"));

    /// <summary>
    /// "cpu merge of 2 shards: at its peak (the outer step) base weights ... + runtime 1.07 GB = 1.09 GB of 21.90 GB free
    /// (/proc/meminfo MemAvailable); phases: reading the shards ..., the outer step ...": the plan line of the merge.
    /// </summary>
    public string Describe()
    {
        string free = Budget.FreeBytes is { } f ? $"of {ByteSize.Gb(f)} free ({Budget.Source})" : $"(free memory {Budget.Source})";
        var peak = Peak;
        return $"cpu merge of {Shards} {(Shards == 1 ? "shard" : "shards")}: at its peak ({peak.Name}) {peak.Breakdown()} + runtime {ByteSize.Gb(MemoryPlan.RuntimeOverheadBytes)} = " +
               $"{ByteSize.Gb(TotalBytes)} {free}; phases: {PhaseTotals()}";
    }

    /// <summary>Throws <see cref="ModelDoesNotFitException"/> unless the merge fits.</summary>
    public MergePlan EnsureFits()
    {
        if (!Fits)
            throw new ModelDoesNotFitException(this);
        return this;
    }
}
