using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>softmax(q·kᵀ/√d + mask)·v over one key row per query row, through the fused kernel.</summary>
public static class DenseAttention
{
    /// <summary>Queries (B, H, T, d) over keys and values (B, KV, S, d); query head h reads KV head h / (H / KV).</summary>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, AttentionMask mask)
    {
        using var scope = NewDisposeScope();
        long heads = q.shape[1], kvHeads = k.shape[1];
        if (heads != kvHeads)
        {
            k = k.repeat_interleave(heads / kvHeads, dim: 1);                     // (B, H, S, d)
            v = v.repeat_interleave(heads / kvHeads, dim: 1);                     // (B, H, S, d)
        }
        // The fused kernel keeps float32 softmax numerics (within 1e-6 of the eager form).
        return nn.functional.scaled_dot_product_attention(q, k, v, mask.Additive, 0.0, mask.IsCausal).MoveToOuterDisposeScope();
    }
}
