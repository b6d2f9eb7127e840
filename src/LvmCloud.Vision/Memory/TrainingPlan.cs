using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What a training run will cost before the model is built or loaded, against what the process may use: the
/// float32 weights, gradients and AdamW moments, a fixed runtime overhead, and the activations of one micro-batch of
/// <see cref="BatchSize"/> sequences of <see cref="SequenceLength"/> tokens (<see cref="TrainingFootprint"/>), and what
/// the job holds beside them (<see cref="Extras"/>: a DiLoCo shard's base copy, <see cref="OuterStepFootprint.ShardItems"/>).
/// Gradient accumulation does not change the peak: micro-batches run one after another. Made by
/// <see cref="MemoryPlanner.PlanTraining"/>.
/// </summary>
/// <param name="Device">Where the model trains.</param>
/// <param name="Footprint">The transformer's training sizes.</param>
/// <param name="BatchSize">Sequences per micro-batch.</param>
/// <param name="SequenceLength">Tokens per training sequence.</param>
/// <param name="Budget">What the process may use.</param>
/// <param name="BatchSetting">Where the batch size is set (<c>--batch-size</c>, the run spec's <c>inner.batchSize</c>), named in the fix.</param>
/// <param name="Extras">What the job holds beyond weights, gradients and AdamW for the whole step (none when null), counted beside the activations.</param>
public sealed record TrainingPlan(
    Device Device,
    TrainingFootprint Footprint,
    int BatchSize,
    int SequenceLength,
    MemoryBudget Budget,
    string BatchSetting = "--batch-size",
    IReadOnlyList<PlanItem>? Extras = null)
{
    /// <summary>The extra items, none when <see cref="Extras"/> is null.</summary>
    public IReadOnlyList<PlanItem> ExtraItems => Extras ?? [];

    /// <summary>The bytes of <see cref="ExtraItems"/>.</summary>
    public long ExtraBytes => ExtraItems.Sum(e => e.Bytes);

    /// <summary>What is held whatever the batch: weights, gradients, AdamW's moments, the extras and the runtime (<see cref="MemoryPlan.RuntimeOverheadBytes"/>).</summary>
    public long FixedBytes => Footprint.StateBytes + ExtraBytes + MemoryPlan.RuntimeOverheadBytes;

    /// <summary>One sequence's activations at <paramref name="sequenceLength"/> tokens.</summary>
    public long BytesPerSequence(int sequenceLength) => Footprint.ActivationBytesPerSequence(sequenceLength);

    /// <summary>The activations of the planned micro-batch.</summary>
    public long ActivationBytes => BatchSize * BytesPerSequence(SequenceLength);

    /// <summary>The peak of <paramref name="batchSize"/> sequences of <paramref name="sequenceLength"/> tokens.</summary>
    public long RequiredBytes(int batchSize, int sequenceLength) => FixedBytes + batchSize * BytesPerSequence(sequenceLength);

    /// <summary>The peak of the planned micro-batch.</summary>
    public long TotalBytes => RequiredBytes(BatchSize, SequenceLength);

    /// <summary>Whether the free memory is known; when it is not, nothing is refused.</summary>
    public bool Known => Budget.FreeBytes is not null;

    /// <summary>
    /// Sequences of <paramref name="sequenceLength"/> tokens per micro-batch that fit beside the weights and the
    /// optimizer (0 when none does); <see cref="int.MaxValue"/> when the free memory is unknown.
    /// </summary>
    public int MaxBatch(int sequenceLength)
    {
        if (Budget.FreeBytes is not { } free)
            return int.MaxValue;
        long room = free - FixedBytes;
        return room <= 0 ? 0 : (int)Math.Min(int.MaxValue, room / Math.Max(1, BytesPerSequence(sequenceLength)));
    }

    /// <summary>The longest sequence of which one fits per micro-batch (0 when not even one token does); <see cref="int.MaxValue"/> when the free memory is unknown.</summary>
    public int MaxSequenceLength()
    {
        if (Budget.FreeBytes is not { } free)
            return int.MaxValue;
        if (RequiredBytes(1, 1) > free)
            return 0;
        // The need grows with the length (the attention reserve quadratically): the largest that fits, by halving.
        int low = 1, high = Math.Max(1, SequenceLength);
        while (low < high)
        {
            int mid = low + (high - low + 1) / 2;
            if (RequiredBytes(1, mid) <= free) low = mid;
            else high = mid - 1;
        }
        return low;
    }

    /// <summary>Whether the planned micro-batch fits (always, when the free memory is unknown).</summary>
    public bool Fits => MaxBatch(SequenceLength) >= BatchSize;

    /// <summary>
    /// "cpu float32 training: weights 0.01 GB + gradients 0.01 GB + AdamW 0.02 GB + runtime 1.07 GB + a batch of 16
    /// sequences of 256 tokens 0.20 GB = 1.31 GB of 21.90 GB free (/proc/meminfo MemAvailable); at most 250 sequences
    /// fit": the plan line of <c>lvm train</c> and the worker's shard jobs.
    /// </summary>
    public string Describe()
    {
        string free = Budget.FreeBytes is { } f ? $"of {ByteSize.Gb(f)} free ({Budget.Source})" : $"(free memory {Budget.Source})";
        int fit = MaxBatch(SequenceLength);
        string most = Known ? $"; at most {fit} {(fit == 1 ? "sequence" : "sequences")} per batch fit" : "";
        return $"{Device.type.ToString().ToLowerInvariant()} float32 training: {Breakdown()} = {ByteSize.Gb(TotalBytes)} {free}{most}";
    }

    /// <summary>"weights ... + gradients ... + AdamW moments ... [+ each extra ...] + runtime ... + a batch of B sequences of L tokens ...".</summary>
    public string Breakdown()
    {
        string batch = BatchSize == 1 ? "1 sequence" : $"a batch of {BatchSize} sequences";
        string extras = string.Concat(ExtraItems.Select(e => $"{e} + "));
        return $"weights {ByteSize.Gb(Footprint.WeightBytes)} + gradients {ByteSize.Gb(Footprint.GradientBytes)} + AdamW moments {ByteSize.Gb(Footprint.OptimizerBytes)} + {extras}" +
               $"runtime {ByteSize.Gb(MemoryPlan.RuntimeOverheadBytes)} + {batch} of {SequenceLength} tokens {ByteSize.Gb(ActivationBytes)}";
    }

    /// <summary>Throws <see cref="ModelDoesNotFitException"/> unless the planned micro-batch fits.</summary>
    public TrainingPlan EnsureFits()
    {
        if (Known && !Fits)
            throw new ModelDoesNotFitException(this);
        return this;
    }
}
