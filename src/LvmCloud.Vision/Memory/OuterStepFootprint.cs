using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What DiLoCo's outer step holds beside a transformer, from its config alone (P parameters, n the elements of its
/// largest tensor; the model is float32, the outer step's arithmetic float64: <see cref="OuterStep"/>).
/// <para>
/// A shard job whose run compresses its outer gradient keeps a float32 copy of the round's base for the whole job
/// (<see cref="OuterGradient.Snapshot"/>: 4 bytes a parameter) and at its end encodes δ = θ_base − θ_k into the
/// quantized set (<see cref="OuterGradientCodec.PayloadBytes"/>: about 1 byte a parameter for int8, ½ for int4) with
/// <see cref="DeltaWriteCopies"/> float64 temporaries of one tensor at a time.
/// </para>
/// <para>
/// The merge (<c>RoundOuterStep</c>) holds the base (4 bytes a parameter), the running sum of the shards in float64 (8),
/// the previous round's momentum (4, from round 1 on), and then, one phase at a time: while reading the shards, one
/// shard's float32 weights (4) with <see cref="AddCopies"/> float64 temporaries of a tensor, or for a compressed shard its
/// whole outer gradient decoded to float64 (8, <see cref="OuterGradientCodec.Load"/>) beside the file's quantized
/// tensors with <see cref="DecodeCopies"/> temporaries; during the outer step, the next momentum (4) with
/// <see cref="ApplyCopies"/> float64 temporaries of a tensor; then the eval pass, on the merged weights alone.
/// </para>
/// </summary>
/// <param name="Config">The transformer's config.</param>
public sealed record OuterStepFootprint(LlamaConfig Config)
{
    /// <summary>Bytes of a float32 element: the model's weights, a snapshot, the momentum.</summary>
    public const int WeightElementBytes = 4;

    /// <summary>Bytes of a float64 element: the running sum, a decoded outer gradient, every temporary.</summary>
    public const int SumElementBytes = 8;

    /// <summary>
    /// float64 copies of one tensor alive at once in <see cref="OuterStep.Apply"/>'s scope: θ, the mean, Δ, both squares
    /// for the drift, the previous momentum in float64 and scaled, v, μ·v, the update, lr·update and the result (12), plus
    /// the float32 result (½) rounded up.
    /// </summary>
    public const int ApplyCopies = 13;

    /// <summary>float64 copies of one tensor in <see cref="OuterStep.Add"/> / <see cref="OuterStep.AddDelta"/>: the shard's (or θ_base − δ̂) value, its square or its clone.</summary>
    public const int AddCopies = 2;

    /// <summary>float64 copies of one tensor while <see cref="OuterGradientCodec.Load"/> decodes it: the levels, the padded rows, the product and the range check.</summary>
    public const int DecodeCopies = 4;

    /// <summary>float64 copies of one tensor while a shard encodes its δ: θ_base, θ_k, δ, the padded rows, |rows|, rows/scale, its rounding and clamping.</summary>
    public const int DeltaWriteCopies = 8;

    public long ParameterCount => Config.ParameterCount;

    /// <summary>Elements of the largest single tensor: the embedding (or head), an MLP matrix or an attention projection.</summary>
    public long LargestTensorElements =>
        Math.Max((long)Config.VocabSize * Config.HiddenSize, Math.Max((long)Config.HiddenSize * Config.IntermediateSize, (long)Config.HiddenSize * Config.HiddenSize));

    /// <summary>Tensors the outer step names (each layer's 7 matrices, 2 norms and up to 3 biases; the embedding, the final norm, the head), an upper bound for per-tensor rounding.</summary>
    public long TensorCount => 12L * Config.NumHiddenLayers + 3;

    /// <summary>The float32 weights, or one float32 copy of them (the base a shard keeps, a shard's weights in the merge, a momentum).</summary>
    public long WeightBytes => ParameterCount * WeightElementBytes;

    /// <summary>A float64 set the size of the weights: the merge's running sum, a decoded outer gradient.</summary>
    public long SumBytes => ParameterCount * SumElementBytes;

    /// <summary><paramref name="copies"/> float64 temporaries of the largest tensor.</summary>
    public long TemporaryBytes(int copies) => copies * LargestTensorElements * SumElementBytes;

    /// <summary>The quantized outer gradient of all parameters (values and scales; each tensor's last block counted whole).</summary>
    public long EncodedDeltaBytes(OuterGradientPrecision precision) =>
        OuterGradientCodec.PayloadBytes(ParameterCount, precision) + 4 * TensorCount;

    /// <summary>
    /// What a <c>train-shard</c> job of a run with <paramref name="compression"/> holds beyond its training step (none
    /// without compression): the base copy, and the encoded δ with one tensor's temporaries. Both are avoided by
    /// <c>outer.compression none</c>.
    /// </summary>
    public IReadOnlyList<PlanItem> ShardItems(OuterGradientPrecision? compression)
    {
        if (compression is not { } precision)
            return [];
        const string avoid = "outer.compression none";
        return
        [
            new PlanItem("base copy for the outer gradient", WeightBytes, avoid),
            new PlanItem($"{OuterGradientCodec.Name(precision)} outer gradient being written", EncodedDeltaBytes(precision) + TemporaryBytes(DeltaWriteCopies), avoid),
        ];
    }
}
