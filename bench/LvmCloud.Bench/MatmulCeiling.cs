using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>float32 GEMM throughput on this machine: the ceiling the model runs are compared with.</summary>
public static class MatmulCeiling
{
    public static double GflopsPerSecond(Device device, int size = 1024, int repetitions = 10)
    {
        using var scope = NewDisposeScope();
        var a = randn(size, size, device: device);
        var b = randn(size, size, device: device);
        double seconds = Timing.Best(repetitions, () => { using var c = a.mm(b); using var corner = c[0, 0]; corner.item<float>(); }, warmups: 2);
        return 2.0 * size * size * size / seconds / 1e9;
    }

    /// <summary>
    /// GFLOP/s of <c>linear</c> on (<paramref name="rows"/>, <paramref name="inFeatures"/>) inputs and an
    /// (<paramref name="outFeatures"/>, <paramref name="inFeatures"/>) weight in <paramref name="dtype"/>, as a prefill's
    /// projections run it: the matmul rate a real-size prefill is compared with.
    /// </summary>
    public static double LinearGflopsPerSecond(Device device, ScalarType dtype, int rows, int inFeatures, int outFeatures, int repetitions = 5)
    {
        using var scope = NewDisposeScope();
        var x = randn(rows, inFeatures, dtype: dtype, device: device);
        var w = randn(outFeatures, inFeatures, dtype: dtype, device: device) * 0.02;
        double seconds = Timing.Best(repetitions, () =>
        {
            using var y = nn.functional.linear(x, w);
            using var corner = y[0, 0].to(ScalarType.Float32);
            corner.item<float>();
        }, warmups: 1);
        return 2.0 * rows * inFeatures * outFeatures / seconds / 1e9;
    }
}
