namespace LvmCloud.Vision.Kernels;

/// <summary>Runs a whole <see cref="HalfGemv"/> call with its outputs split across <see cref="RangeWorkers"/>.</summary>
public static class HalfGemvRunner
{
    /// <summary>
    /// Weights a part must hold before a call is split across threads (256 Ki, 512 KB in half precision): a smaller
    /// matrix is read in tens of microseconds, less than waking a thread costs.
    /// </summary>
    public const int MinWeightsPerPart = 256 * 1024;

    /// <summary>Computes every output of <paramref name="args"/> on <paramref name="workers"/> (default: the shared ones).</summary>
    public static void Run(in HalfGemvArgs args, HalfGemvPath path = HalfGemvPath.Auto, RangeWorkers? workers = null)
    {
        var resolved = HalfGemv.Resolve(path);
        int minRows = Math.Max(1, MinWeightsPerPart / Math.Max(args.InFeatures, 1));
        (workers ?? RangeWorkers.Shared).Run(args.OutFeatures, minRows, HalfGemvWork.For(args, resolved));
    }
}
