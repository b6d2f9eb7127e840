using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>How the T queries of one forward may see the S = startPos+T keys.</summary>
/// <param name="Additive">(B, 1, T, S): 0 where a query may see a key, the dtype's most negative value where not; null when
/// <paramref name="IsCausal"/> says everything, or when every key is visible (one new token, no padding).</param>
/// <param name="IsCausal">Plain causal attention over a sequence that starts at slot 0 (the fused kernel's own mask).</param>
public sealed record AttentionMask(Tensor? Additive, bool IsCausal);

/// <summary>Attention masks and the fill value HF uses for blocked scores.</summary>
public static class LlamaMasks
{
    /// <summary>The most negative finite value of <paramref name="dtype"/> (HF's finfo.min), so a fully blocked row stays finite.</summary>
    public static double MinValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };

    /// <summary>
    /// The mask for queries at cache slots [startPos, startPos+T): query i sees key slot j only when j ≤ startPos+i and,
    /// given a (B, S) <paramref name="keyMask"/>, that key is real (1), not padding (0).
    /// </summary>
    public static AttentionMask For(long batch, long queryLength, int startPos, Tensor? keyMask, ScalarType dtype, Device device)
    {
        if (keyMask is null && startPos == 0 && queryLength > 1) return new AttentionMask(null, true);
        if (keyMask is null && queryLength == 1) return new AttentionMask(null, false);
        using var scope = NewDisposeScope();
        var blocked = Blocked(batch, queryLength, startPos, keyMask, device);                                   // (B, 1, T, S)
        var additive = zeros(blocked.shape, dtype: dtype, device: device).masked_fill(blocked, MinValue(dtype));
        return new AttentionMask(additive.MoveToOuterDisposeScope(), false);
    }

    /// <summary>Boolean (B, 1, T, S), true where blocked; see <see cref="For"/>.</summary>
    public static Tensor Blocked(long batch, long queryLength, int startPos, Tensor? keyMask, Device device)
    {
        using var scope = NewDisposeScope();
        long keyLength = startPos + queryLength;
        var querySlots = arange(startPos, keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(1); // (T, 1)
        var keySlots = arange(0, keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(0);          // (1, S)
        var blocked = keySlots.gt(querySlots).view(1, 1, queryLength, keyLength);                           // (1, 1, T, S)
        if (keyMask is not null)
        {
            if (keyMask.dim() != 2 || keyMask.shape[0] != batch || keyMask.shape[1] != keyLength)
                throw new ArgumentException(
                    $"attentionMask must be (batch {batch}, keys {keyLength}), got [{string.Join(", ", keyMask.shape)}].", nameof(keyMask));
            var padding = keyMask.to(device).eq(0).view(batch, 1, 1, keyLength);                            // (B, 1, 1, S)
            blocked = blocked.logical_or(padding);                                                          // (B, 1, T, S)
        }
        else
        {
            blocked = blocked.expand(batch, 1, queryLength, keyLength);
        }
        return blocked.MoveToOuterDisposeScope();
    }
}
