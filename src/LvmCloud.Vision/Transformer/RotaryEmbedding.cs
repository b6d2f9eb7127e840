using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// Rotary position embeddings in the HF "rotate_half" layout: the two halves of a head are the
/// (cos, sin) partners, and q/k projections of HF checkpoints are already permuted to fit.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>
    /// cos and sin tables for the given positions, shaped (B, 1, T, d) to broadcast over heads.
    /// inv_freq[j] = 1 / theta^(2j/d) and the angles are computed in float32, as HF does.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, dtype: ScalarType.Float32, device: positionIds.device) / headDim;
        var invFreq = pow(tensor((float)theta, device: positionIds.device), exponents).reciprocal(); // (d/2)
        var angles = positionIds.to(ScalarType.Float32).unsqueeze(-1) * invFreq;                    // (B, T, d/2)
        var emb = cat([angles, angles], -1).unsqueeze(1);                                           // (B, 1, T, d)
        var cosTable = emb.cos().to(dtype);
        var sinTable = emb.sin().to(dtype);
        return (cosTable.MoveToOuterDisposeScope(), sinTable.MoveToOuterDisposeScope());
    }

    /// <summary>x·cos + rotate_half(x)·sin for x shaped (B, heads, T, d).</summary>
    public static Tensor Apply(Tensor x, Tensor cosTable, Tensor sinTable)
    {
        using var scope = NewDisposeScope();
        return (x * cosTable + RotateHalf(x) * sinTable).MoveToOuterDisposeScope();
    }

    /// <summary>cat(−x[..., d/2:], x[..., :d/2]).</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        return cat([second.neg(), first], -1).MoveToOuterDisposeScope();
    }
}
