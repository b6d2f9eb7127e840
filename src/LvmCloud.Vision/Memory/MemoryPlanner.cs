using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// Makes the <see cref="MemoryPlan"/> of a model before it is loaded, and chooses the dtype for <c>auto</c>: the widest
/// that fits one row at the plan's sequence length — float32, else bfloat16 on the CPU or the checkpoint's stored half
/// dtype on CUDA (bfloat16 when it stores float32). When the free memory is unknown, <c>auto</c> keeps
/// <see cref="WeightDType.Resolve"/>'s rule and nothing is refused.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>The plan of a transformer (and optionally its VQGAN) at <paramref name="sequenceLength"/> tokens per row; it may not fit (<see cref="MemoryPlan.EnsureFits"/>).</summary>
    /// <exception cref="ArgumentException">An unknown dtype name or a sequence length below 1.</exception>
    public static MemoryPlan Plan(
        TransformerFootprint transformer, VqganFootprint? tokenizer, Device device, string requested, MemoryBudget budget, int sequenceLength, string dtypeSetting = "--dtype")
    {
        if (WeightDType.Problem(requested, dtypeSetting) is { } problem)
            throw new ArgumentException(problem);
        if (sequenceLength < 1)
            throw new ArgumentException($"A memory plan needs a sequence length of at least 1 token, got {sequenceLength}.");
        MemoryPlan With(ScalarType dtype, string reason) =>
            new(device, requested, dtype, reason, transformer, tokenizer, budget, sequenceLength, dtypeSetting);

        if (requested != WeightDType.Auto)
            return With(WeightDType.Resolve(requested, device, transformer.StoredDType), budget.FreeBytes is null ? $"asked for; free memory {budget.Source}" : "asked for");
        if (budget.FreeBytes is not { } free)
            return With(WeightDType.Resolve(WeightDType.Auto, device, transformer.StoredDType), $"auto; free memory {budget.Source}");

        var wide = With(ScalarType.Float32, "");
        if (wide.Fits)
            return wide with { Reason = $"auto: float32 needs {ByteSize.Gb(wide.MinimumBytes)}, {ByteSize.Gb(free)} free" };
        var half = device.type == DeviceType.CUDA && transformer.StoredDType is ScalarType.BFloat16 or ScalarType.Float16
            ? transformer.StoredDType
            : ScalarType.BFloat16;
        var narrow = With(half, "");
        string because = $"float32 needs {ByteSize.Gb(wide.MinimumBytes)}, {ByteSize.Gb(free)} free";
        return narrow with
        {
            Reason = narrow.Fits
                ? $"auto: {because}"
                : $"auto: {because}; {WeightDType.NameOf(half)} needs {ByteSize.Gb(narrow.MinimumBytes)}",
        };
    }

    /// <summary>
    /// The plan of the model folder <paramref name="modelDirectory"/> (<c>tokenizer/</c>, <c>transformer/</c>,
    /// <c>lvm.json</c>) at its full context (context_frames x tokens per image), from configs and headers only.
    /// </summary>
    public static MemoryPlan ForModelFolder(string modelDirectory, Device device, string requested, MemoryBudget budget, string dtypeSetting = "--dtype", int tokenizerBatch = Tokenizer.VqganTokenizer.DefaultMaxBatchSize)
    {
        var transformer = TransformerFootprint.Read(Path.Combine(modelDirectory, LvmModel.TransformerFolder));
        var tokenizer = VqganFootprint.Read(Path.Combine(modelDirectory, LvmModel.TokenizerFolder)) with { BatchImages = tokenizerBatch };
        int context = LvmModelSettings.Load(modelDirectory).ContextFrames * tokenizer.Config.TokensPerImage;
        return Plan(transformer, tokenizer, device, requested, budget, Math.Min(context, transformer.Config.MaxPositionEmbeddings), dtypeSetting);
    }

    /// <summary>The refusal of <paramref name="rows"/> rows under <paramref name="plan"/>: the numbers, then the fixes.</summary>
    public static string Refusal(MemoryPlan plan, int rows)
    {
        int length = plan.SequenceLength;
        long need = plan.RequiredBytes(rows, length);
        string free = plan.Budget.FreeBytes is { } f ? ByteSize.Gb(f) : "an unknown amount";
        string rowText = rows == 1 ? "1 row" : $"{rows} rows";
        string vqgan = plan.Tokenizer is null ? "" : $" + VQGAN {ByteSize.Gb(plan.TokenizerBytes)}";
        string working = plan.Tokenizer is null
            ? $"{rowText} of {length} tokens {ByteSize.Gb(rows * plan.BytesPerRow(length))}"
            : $"the larger of {rowText} of {length} tokens ({ByteSize.Gb(rows * plan.BytesPerRow(length))}) and a VQGAN batch ({ByteSize.Gb(plan.TokenizerWorkingBytes)})";
        var fixes = new List<string>();
        foreach (var narrower in new[] { ScalarType.BFloat16, ScalarType.Float16 })
        {
            if (ByteSize.Of(narrower) >= ByteSize.Of(plan.DType))
                continue;
            var other = plan with { DType = narrower };
            if (other.MaxRows(length) >= rows)
                fixes.Add($"load the transformer in {WeightDType.NameOf(narrower)} ({plan.DTypeSetting} {WeightDType.NameOf(narrower)}: needs {ByteSize.Gb(other.RequiredBytes(rows, length))})");
        }
        int fit = plan.MaxRows(length);
        if (rows > 1 && fit >= 1)
            fixes.Add($"fewer rows per batch (at most {fit} fit)");
        fixes.Add($"a machine{(plan.Device.type == DeviceType.CUDA ? " (GPU)" : "")} with at least {ByteSize.Gb(need)} free");
        return $"The model does not fit in memory: the transformer in {WeightDType.NameOf(plan.DType)} ({plan.Transformer.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters) " +
               $"{ByteSize.Gb(plan.TransformerBytes)}{vqgan} + runtime {ByteSize.Gb(MemoryPlan.RuntimeOverheadBytes)} + {working} " +
               $"(KV cache {ByteSize.Gb(plan.Transformer.KvBytesPerRow(length, plan.DType))} per row) = {ByteSize.Gb(need)}, " +
               $"but {free} is free ({plan.Budget.Source}). Nothing was loaded. Fix: {string.Join("; or ", fixes)}.";
    }
    /// <summary>
    /// The plan of training <paramref name="config"/> on micro-batches of <paramref name="batchSize"/> sequences of
    /// <paramref name="sequenceLength"/> tokens on <paramref name="device"/> (default: the CPU); it may not fit
    /// (<see cref="TrainingPlan.EnsureFits"/>). <paramref name="batchSetting"/> names where the batch size is set.
    /// </summary>
    /// <param name="extras">What the job holds beside the step for its whole length (<see cref="OuterStepFootprint.ShardItems"/>); none when null.</param>
    /// <exception cref="ArgumentException">A batch size or sequence length below 1.</exception>
    public static TrainingPlan PlanTraining(
        LlamaConfig config, int batchSize, int sequenceLength, MemoryBudget budget, Device? device = null, string batchSetting = "--batch-size", IReadOnlyList<PlanItem>? extras = null)
    {
        if (batchSize < 1)
            throw new ArgumentException($"A training plan needs a batch of at least 1 sequence, got {batchSize} ({batchSetting}).");
        if (sequenceLength < 1)
            throw new ArgumentException($"A training plan needs a sequence length of at least 1 token, got {sequenceLength}.");
        return new TrainingPlan(device ?? CPU, new TrainingFootprint(config), batchSize, sequenceLength, budget, batchSetting, extras is { Count: > 0 } ? extras : null);
    }

    /// <summary>The refusal of <paramref name="plan"/>'s training step: the numbers, then the fixes.</summary>
    public static string TrainingRefusal(TrainingPlan plan)
    {
        long need = plan.TotalBytes;
        string free = plan.Budget.FreeBytes is { } f ? ByteSize.Gb(f) : "an unknown amount";
        var fixes = new List<string>();
        int fitBatch = plan.MaxBatch(plan.SequenceLength);
        if (fitBatch >= 1)
            fixes.Add($"a smaller batch ({plan.BatchSetting} {fitBatch} at most; raise the gradient accumulation to keep the sequences per optimizer step)");
        else
        {
            int fitLength = plan.MaxSequenceLength();
            if (fitLength >= 1)
                fixes.Add($"shorter sequences (one sequence of at most {fitLength} tokens fits)");
        }
        foreach (var avoid in plan.ExtraItems.Select(e => e.Avoid).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var without = plan with { Extras = [.. plan.ExtraItems.Where(e => e.Avoid != avoid)] };
            if (without.Fits)
                fixes.Add($"{avoid} (without {string.Join(" and ", plan.ExtraItems.Where(e => e.Avoid == avoid).Select(e => e.Label))}: needs {ByteSize.Gb(without.TotalBytes)})");
        }
        fixes.Add("a smaller model");
        fixes.Add($"a machine{(plan.Device.type == DeviceType.CUDA ? " (GPU)" : "")} with at least {ByteSize.Gb(need)} free");
        string held = plan.ExtraItems.Count == 0
            ? "The weights, gradients and AdamW moments"
            : $"The weights, gradients, AdamW moments and {string.Join(" and ", plan.ExtraItems.Select(e => e.Label))}";
        string alone = plan.Budget.FreeBytes is { } budget && plan.FixedBytes > budget
            ? $" {held} alone need {ByteSize.Gb(plan.FixedBytes)} with the runtime."
            : "";
        return $"The training step does not fit in memory: the transformer ({plan.Footprint.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters, float32) " +
               $"{plan.Breakdown()} (per sequence {ByteSize.Gb(plan.BytesPerSequence(plan.SequenceLength))}) = {ByteSize.Gb(need)}, " +
               $"but {free} is free ({plan.Budget.Source}).{alone} Nothing was loaded. Fix: {string.Join("; or ", fixes)}.";
    }

    /// <summary>
    /// The plan of a DiLoCo merge of <paramref name="shards"/> shards of <paramref name="config"/>'s transformer: with
    /// the previous round's momentum when <paramref name="hasMomentum"/>, reading compressed outer gradients when
    /// <paramref name="compression"/> is set, and an eval pass of <paramref name="evalBatchSize"/> sequences of
    /// <paramref name="evalSequenceLength"/> tokens (0 and 0: no eval data). It may not fit (<see cref="MergePlan.EnsureFits"/>).
    /// </summary>
    /// <exception cref="ArgumentException">No shard, a negative eval batch or length, or only one of them 0.</exception>
    public static MergePlan PlanMerge(
        LlamaConfig config, MemoryBudget budget, int shards, bool hasMomentum, Training.OuterGradientPrecision? compression, int evalBatchSize = 0, int evalSequenceLength = 0)
    {
        if (shards < 1)
            throw new ArgumentException($"A merge plan needs at least 1 shard, got {shards}.");
        if (evalBatchSize < 0 || evalSequenceLength < 0 || (evalBatchSize == 0) != (evalSequenceLength == 0))
            throw new ArgumentException($"A merge plan's eval pass needs both a batch and a length of at least 1 (or neither), got {evalBatchSize} sequences of {evalSequenceLength} tokens.");
        return new MergePlan(new OuterStepFootprint(config), shards, hasMomentum, compression, evalBatchSize, evalSequenceLength, budget);
    }

    /// <summary>The refusal of <paramref name="plan"/>'s merge: the peak and every phase, then the fixes.</summary>
    public static string MergeRefusal(MergePlan plan)
    {
        string free = plan.Budget.FreeBytes is { } f ? ByteSize.Gb(f) : "an unknown amount";
        var peak = plan.Peak;
        var fixes = new List<string> { $"a machine with at least {ByteSize.Gb(plan.TotalBytes)} free" };
        if (plan.Compression is { } precision && (plan with { Compression = null }) is { Fits: true } plain)
            fixes.Add($"for a new run, outer.compression none (the merge then reads each shard's float32 weights instead of decoding its whole {Training.OuterGradientCodec.Name(precision)} outer gradient to float64: needs {ByteSize.Gb(plain.TotalBytes)})");
        fixes.Add("a smaller model");
        return $"The merge does not fit in memory: the transformer ({plan.Footprint.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters, float32 weights, float64 sums) " +
               $"at its peak ({peak.Name}) holds {peak.Breakdown()} + runtime {ByteSize.Gb(MemoryPlan.RuntimeOverheadBytes)} = {ByteSize.Gb(plan.TotalBytes)} " +
               $"(phases: {plan.PhaseTotals()}), but {free} is free ({plan.Budget.Source}). Nothing was loaded. Fix: {string.Join("; or ", fixes)}.";
    }
}
