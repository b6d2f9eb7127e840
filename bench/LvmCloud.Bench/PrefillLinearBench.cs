using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// One prefill-sized linear layer in half precision on the CPU (768 rows through LVM 7B's MLP and attention shapes):
/// libtorch's own bfloat16/float16 GEMM against <see cref="WidenedBlockLinear"/> (float32 GEMM over widened weight
/// blocks), side by side in one process, in GFLOP/s. Decides which path a prefill takes.
/// </summary>
public static class PrefillLinearBench
{
    public static void Run(BenchTable table, int repetitions)
    {
        using var noGrad = no_grad();
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float16 })
            foreach (var (rows, inFeatures, outFeatures) in new[] { (768, 4096, 11008), (768, 4096, 4096), (768, 11008, 4096) })
            {
                using var scope = NewDisposeScope();
                var weight = (randn(outFeatures, inFeatures) * 0.02).to(dtype);
                var x = randn(rows, inFeatures).to(dtype);
                double flops = 2.0 * rows * inFeatures * outFeatures;
                double libTorch = Timing.Best(repetitions, () => { using var y = nn.functional.linear(x, weight); });
                double widened = Timing.Best(repetitions, () => { using var y = WidenedBlockLinear.Forward(weight, null, x); });
                string shape = $"{rows}×{inFeatures}·{inFeatures}×{outFeatures} {dtype.ToString().ToLowerInvariant()}";
                table.Add($"prefill linear {shape}, libtorch", flops / libTorch / 1e9, "GFLOP/s", $"{libTorch * 1e3:0.0} ms");
                table.Add($"prefill linear {shape}, widened blocks", flops / widened / 1e9, "GFLOP/s", $"{widened * 1e3:0.0} ms; {libTorch / widened:0.00}× libtorch's speed");
            }
    }
}
