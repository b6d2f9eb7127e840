using LvmCloud.Core.Images;

namespace LvmCloud.Vision.Evaluation;

/// <summary>Peak signal-to-noise ratio of images in [0, 1], the paper's reconstruction measure.</summary>
public static class Psnr
{
    /// <summary>10·log10(1 / MSE) in dB; an MSE below 1e-10 counts as 1e-10 (100 dB), so equal images stay finite.</summary>
    public static double Of(RgbImage a, RgbImage b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Data.Length != b.Data.Length) throw new ArgumentException($"The images differ in size: {a.Width}x{a.Height} and {b.Width}x{b.Height}.");
        double mse = 0;
        for (int i = 0; i < a.Data.Length; i++) { double d = a.Data[i] - b.Data[i]; mse += d * d; }
        mse /= a.Data.Length;
        return 10 * Math.Log10(1 / Math.Max(mse, 1e-10));
    }
}
