using LvmCloud.Vision.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What a model will cost before anything of it is allocated, against what the process may use: the transformer's
/// weights in the chosen dtype, the VQGAN's (when the command uses one), a fixed runtime overhead, and the working set:
/// per generation row its KV cache and activations at <see cref="SequenceLength"/> tokens, or the VQGAN's batch,
/// whichever is larger (they never run at the same time). Made by <see cref="MemoryPlanner"/>.
/// </summary>
/// <param name="Device">Where the model goes.</param>
/// <param name="Requested">The <see cref="WeightDType"/> name asked for (<c>auto</c>, <c>float32</c>, ...).</param>
/// <param name="DType">The dtype the transformer loads in.</param>
/// <param name="Reason">Why <paramref name="DType"/>: "auto: float32 needs 33.10 GB, 21.90 GB free", "asked for".</param>
/// <param name="Transformer">The transformer's sizes.</param>
/// <param name="Tokenizer">The VQGAN's sizes; null for commands that run the transformer alone.</param>
/// <param name="Budget">What the process may use.</param>
/// <param name="SequenceLength">Tokens per row the plan is checked at: context_frames x tokens per image, or the command's length.</param>
/// <param name="DTypeSetting">Where the dtype is chosen (<c>--dtype</c>, <c>Worker:DType</c>), named in the fix.</param>
public sealed record MemoryPlan(
    Device Device,
    string Requested,
    ScalarType DType,
    string Reason,
    TransformerFootprint Transformer,
    VqganFootprint? Tokenizer,
    MemoryBudget Budget,
    int SequenceLength,
    string DTypeSetting = "--dtype")
{
    /// <summary>The .NET runtime, libtorch and its kernels' scratch space, the process's own buffers: 1 GiB.</summary>
    public const long RuntimeOverheadBytes = 1L << 30;

    /// <summary>The reason code of a model that cannot run one row (<see cref="ModelDoesNotFitException"/>).</summary>
    public const string ModelDoesNotFitCode = "model-does-not-fit";

    /// <summary>The reason code of an item whose own rows (its candidates) cannot fit beside the weights.</summary>
    public const string ItemDoesNotFitCode = "item-does-not-fit";

    /// <summary>The transformer's weights in <see cref="DType"/>.</summary>
    public long TransformerBytes => Transformer.WeightBytes(DType);

    /// <summary>The VQGAN's weights (float32), 0 without one.</summary>
    public long TokenizerBytes => Tokenizer?.WeightBytes ?? 0;

    /// <summary>The VQGAN's activations for one encode or decode batch, 0 without one.</summary>
    public long TokenizerWorkingBytes => Tokenizer?.ActivationBytes ?? 0;

    /// <summary>What is held whatever the batch: weights and the runtime.</summary>
    public long FixedBytes => TransformerBytes + TokenizerBytes + RuntimeOverheadBytes;

    /// <summary>One generation row's working set at <paramref name="sequenceLength"/> tokens.</summary>
    public long BytesPerRow(int sequenceLength) => Transformer.BytesPerRow(sequenceLength, DType);

    /// <summary>The peak for <paramref name="rows"/> rows of <paramref name="sequenceLength"/> tokens.</summary>
    public long RequiredBytes(int rows, int sequenceLength) =>
        FixedBytes + Math.Max(rows * BytesPerRow(sequenceLength), TokenizerWorkingBytes);

    /// <summary>The peak for one row at <see cref="SequenceLength"/>: the least the model needs to run at all.</summary>
    public long MinimumBytes => RequiredBytes(1, SequenceLength);

    /// <summary>Whether the free memory is known; when it is not, nothing is refused and rows are not capped.</summary>
    public bool Known => Budget.FreeBytes is not null;

    /// <summary>
    /// Generation rows of <paramref name="sequenceLength"/> tokens that fit beside the weights (0 when none does);
    /// <see cref="int.MaxValue"/> when the free memory is unknown. Callers cap it with their configured maximum.
    /// </summary>
    public int MaxRows(int sequenceLength)
    {
        if (Budget.FreeBytes is not { } free)
            return int.MaxValue;
        long room = free - FixedBytes;
        if (room < TokenizerWorkingBytes || room <= 0)
            return 0;
        return (int)Math.Min(int.MaxValue, room / Math.Max(1, BytesPerRow(sequenceLength)));
    }

    /// <summary>Whether one row at <see cref="SequenceLength"/> fits.</summary>
    public bool Fits => MaxRows(SequenceLength) >= 1;

    /// <summary>"cpu bfloat16 (auto: float32 needs 33.10 GB, 21.90 GB free)": the model line of the commands and the worker.</summary>
    public string Describe() => $"{Device.type.ToString().ToLowerInvariant()} {WeightDType.NameOf(DType)} ({Reason})";

    /// <summary>Throws <see cref="ModelDoesNotFitException"/> unless <paramref name="rows"/> rows at <see cref="SequenceLength"/> fit.</summary>
    public MemoryPlan EnsureFits(int rows = 1)
    {
        if (Known && MaxRows(SequenceLength) < rows)
            throw new ModelDoesNotFitException(this, rows);
        return this;
    }
}
