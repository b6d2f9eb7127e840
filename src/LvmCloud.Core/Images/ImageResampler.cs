using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace LvmCloud.Core.Images;

/// <summary>
/// Bicubic resizing (Keys cubic, a = -0.5, the kernel PIL calls BICUBIC; the
/// kernel widens when shrinking so downscaling averages, as PIL does).
/// </summary>
internal static class ImageResampler
{
    public static IResampler Sampler => KnownResamplers.Bicubic;

    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width == source.Width && height == source.Height)
        {
            return source.Clone();
        }

        using Image<RgbaVector> image = PixelConvert.ToRgbaVector(source);
        image.Mutate(ctx => ctx.Resize(width, height, Sampler));
        return PixelConvert.FromRgbaVector(image);
    }
}
