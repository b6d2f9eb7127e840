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
}
