namespace LvmCloud.Core.Images;

/// <summary>
/// Limits enforced on every image before its pixels are decoded.
/// Crafted images can claim huge dimensions in a few bytes, so dimensions and
/// frame counts are checked from the headers first.
/// </summary>
/// <param name="MaxBytes">Largest accepted file size in bytes.</param>
/// <param name="MaxWidth">Largest accepted width in pixels.</param>
/// <param name="MaxHeight">Largest accepted height in pixels.</param>
/// <param name="MaxPixels">Largest accepted width * height.</param>
/// <param name="MaxFrames">Largest accepted frame count (animated GIF / WebP, APNG).</param>
public sealed record ImageLimits(long MaxBytes, int MaxWidth, int MaxHeight, long MaxPixels, int MaxFrames)
{
    /// <summary>20 MB, 8192 x 8192, 40 megapixels, 100 frames.</summary>
    public static ImageLimits Default { get; } = new(
        MaxBytes: 20L * 1024 * 1024,
        MaxWidth: 8192,
        MaxHeight: 8192,
        MaxPixels: 40_000_000,
        MaxFrames: 100);
}
