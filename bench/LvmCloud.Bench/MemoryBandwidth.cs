using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// Read bandwidth of this machine as a decode step sees it: summing a float32 buffer far larger than the caches, with
/// every torch thread, best of a few. A decode step at small batch streams its weights and KV cache the same way.
/// </summary>
public static class MemoryBandwidth
{
    public static double BytesPerSecond(Device device, long bytes = 512L << 20, int repetitions = 10)
    {
        using var scope = NewDisposeScope();
        var buffer = ones(bytes / sizeof(float), device: device);
        double seconds = Timing.Best(repetitions, () => { using var total = buffer.sum(); total.item<float>(); }, warmups: 2);
        return bytes / seconds;
    }
}
