namespace LvmCloud.Core.Images;

/// <summary>
/// Walks the block structure of an encoded image without decoding pixels:
/// counts frames and detects files that end early (truncated) or whose
/// structure is broken (corrupt). Decoders often fill missing data silently,
/// so this walk is what turns a cut-off upload into a clear error.
/// </summary>
internal static class ContainerScan
{
    /// <summary>Returns the frame count, or throws <see cref="ImageRejectedException"/>.</summary>
    public static int CountFrames(ReadOnlySpan<byte> data, ImageFileFormat format, string name) => format switch
    {
        ImageFileFormat.Png => PngContainer.CountFrames(data, name),
        ImageFileFormat.Jpeg => JpegContainer.CountFrames(data, name),
        ImageFileFormat.Gif => GifContainer.CountFrames(data, name),
        ImageFileFormat.Webp => WebpContainer.CountFrames(data, name),
        ImageFileFormat.Bmp => BmpContainer.CountFrames(data, name),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
    };

    internal static ImageRejectedException Truncated(string name, string format, string where) =>
        new(name, ImageRejectReason.Truncated, $"{format} data ends early ({where}).");

    internal static ImageRejectedException Corrupt(string name, string format, string what) =>
        new(name, ImageRejectReason.Corrupt, $"{format} structure is broken ({what}).");
}
