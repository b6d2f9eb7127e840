using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// A float16 linear layer over many rows (a prefill) on the CPU, computed in float32: x is widened once, the weight a
/// block of <see cref="BlockBytes"/> output rows at a time, each block multiplied with float32 GEMM and its result
/// narrowed back into the output. Only float16: on CPUs without AVX-512 FP16 (the AMD EPYC machines here) libtorch 2.10's
/// float16 GEMM runs at 30-50 GFLOP/s and this path at 90-160 (2-4x), while its bfloat16 GEMM uses AVX-512 BF16 at
/// 660-680 GFLOP/s, 7-9x faster than widening (`bench --prefill-linear`, docs/benchmarks.md), so bfloat16 stays with
/// libtorch. The block buffer is small enough for the allocator to reuse it (no fresh pages per call), and the whole
/// widened weight never exists. Results are float32 products of the same half-precision values, rounded once.
/// </summary>
public static class WidenedBlockLinear
{
    /// <summary>Rows from which the widened path pays: below, the multiplication is too small to amortise the widening.</summary>
    public const int MinRows = 64;

    /// <summary>Float32 bytes of one widened weight block (under glibc's mmap threshold, so the buffer is reused).</summary>
    public const long BlockBytes = 16L << 20;

    /// <summary>Whether <see cref="Forward"/> applies: float16 CPU weights, many rows, no autograd.</summary>
    public static bool Qualifies(Tensor weight, Tensor? bias, Tensor x)
    {
        if (weight.device_type != DeviceType.CPU || weight.dtype != ScalarType.Float16 || weight.dim() != 2) return false;
        if (x.dtype != weight.dtype || x.shape[^1] != weight.shape[1] || weight.shape[1] == 0) return false;
        if (x.numel() / weight.shape[1] < MinRows) return false;
        if (bias is not null && bias.dtype != weight.dtype) return false;
        return !(is_grad_enabled() && (weight.requires_grad || x.requires_grad || (bias?.requires_grad ?? false)));
    }

    /// <summary><c>linear(x, weight, bias)</c> in float32 arithmetic, returned in the weights' dtype with x's leading shape.</summary>
    /// <param name="blockBytes">Float32 bytes of one widened block (tests set it small to cross block edges).</param>
    public static Tensor Forward(Tensor weight, Tensor? bias, Tensor x, long blockBytes = BlockBytes)
    {
        using var scope = NewDisposeScope();
        long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        var rows = x.reshape(-1, inFeatures).to(ScalarType.Float32);                  // (N, in)
        var y = empty(rows.shape[0], outFeatures, dtype: weight.dtype);               // (N, out)
        long block = Math.Max(1, blockBytes / (inFeatures * sizeof(float)));
        for (long start = 0; start < outFeatures; start += block)
        {
            long n = Math.Min(block, outFeatures - start);
            using var widened = weight.narrow(0, start, n).to(ScalarType.Float32);  // (n, in)
            using var part = rows.matmul(widened.t());                                // (N, n)
            if (bias is not null)
                part.add_(bias.narrow(0, start, n).to(ScalarType.Float32));
            using var slot = y.narrow(1, start, n);
            slot.copy_(part);
        }
        var shape = x.shape;
        shape[^1] = outFeatures;
        return y.view(shape).MoveToOuterDisposeScope();
    }
}
