using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

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
    /// Boolean (B, 1, T, S) mask, true where blocked: query i (cache slot startPos+i) sees key slot j only when
    /// j ≤ startPos+i and, given a (B, S) key mask, that key is real (1), not padding (0).
    /// </summary>
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
