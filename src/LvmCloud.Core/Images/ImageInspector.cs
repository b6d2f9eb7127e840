using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace LvmCloud.Core.Images;

/// <summary>
/// Identifies an image from its headers, without decoding pixels, and enforces
/// <see cref="ImageLimits"/>: bytes first, then format, dimensions, pixels,
/// structure (truncation) and frames. Every refusal is an
/// <see cref="ImageRejectedException"/> naming the image.
/// </summary>
public static class ImageInspector
{
    /// <param name="path">The file to inspect.</param>
    /// <param name="limits">Limits to enforce.</param>
    /// <param name="imageName">Name used in errors (e.g. the manifest's relative path); defaults to <paramref name="path"/>.</param>
    public static ImageInfo Inspect(string path, ImageLimits limits, string? imageName = null) =>
        InspectFile(path, limits, imageName, out _);

    public static ImageInfo Inspect(Stream stream, ImageLimits limits, string imageName = "image") =>
        InspectBytes(ReadBounded(stream, limits, imageName), limits, imageName);

    /// <summary>Inspects a file and also returns its bytes, so a caller can decode without reading twice.</summary>
    internal static ImageInfo InspectFile(string path, ImageLimits limits, string? imageName, out byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        string name = imageName ?? path;
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new ImageRejectedException(name, ImageRejectReason.NotFound, "no such file.");
        }

        CheckByteCount(file.Length, limits, name, lengthIsExact: true);
        bytes = File.ReadAllBytes(path);
        return InspectBytes(bytes, limits, name);
    }

    /// <summary>Reads at most <see cref="ImageLimits.MaxBytes"/> + 1 bytes so an oversized stream is refused without buffering it all.</summary>
    internal static byte[] ReadBounded(Stream stream, ImageLimits limits, string imageName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        if (stream.CanSeek)
        {
            CheckByteCount(stream.Length - stream.Position, limits, imageName);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
            CheckByteCount(buffer.Length, limits, imageName, lengthIsExact: false);
        }

        return buffer.ToArray();
    }

    internal static ImageInfo InspectBytes(byte[] bytes, ImageLimits limits, string name)
    {
        ArgumentNullException.ThrowIfNull(limits);
        CheckByteCount(bytes.LongLength, limits, name);
        if (bytes.Length == 0)
        {
            throw new ImageRejectedException(name, ImageRejectReason.Empty, "the file is empty (0 bytes).");
        }

        ImageFileFormat format = DetectFormat(bytes, name);
        (int width, int height) = Identify(bytes, format, name);
        if (width <= 0 || height <= 0)
        {
            throw new ImageRejectedException(name, ImageRejectReason.Corrupt, $"header gives dimensions {width}x{height}.");
        }

        if (width > limits.MaxWidth || height > limits.MaxHeight)
        {
            throw new ImageRejectedException(name, ImageRejectReason.TooLargeDimensions,
                $"{width}x{height} exceeds the limit of {limits.MaxWidth}x{limits.MaxHeight}.");
        }

        long pixels = (long)width * height;
        if (pixels > limits.MaxPixels)
        {
            throw new ImageRejectedException(name, ImageRejectReason.TooManyPixels,
                $"{width}x{height} = {pixels} pixels exceeds the limit of {limits.MaxPixels}.");
        }

        int frames = ContainerScan.CountFrames(bytes, format, name);
        if (frames > limits.MaxFrames)
        {
            throw new ImageRejectedException(name, ImageRejectReason.TooManyFrames,
                $"{frames} frames exceeds the limit of {limits.MaxFrames}.");
        }

        return new ImageInfo(width, height, frames, format);
    }

    /// <summary>Refuses an image of <paramref name="length"/> bytes over the limit, before reading it.</summary>
    /// <exception cref="ImageRejectedException">It is larger than <see cref="ImageLimits.MaxBytes"/>.</exception>
    public static void CheckByteCount(long length, ImageLimits limits, string name) => CheckByteCount(length, limits, name, lengthIsExact: true);

    private static void CheckByteCount(long length, ImageLimits limits, string name, bool lengthIsExact)
    {
        if (length > limits.MaxBytes)
        {
            string size = lengthIsExact ? $"{length} bytes" : $"more than {limits.MaxBytes} bytes";
            throw new ImageRejectedException(name, ImageRejectReason.TooLargeBytes,
                $"{size} exceeds the limit of {limits.MaxBytes} bytes.");
        }
    }

    private static ImageFileFormat DetectFormat(byte[] bytes, string name)
    {
        IImageFormat? detected = Image.DetectFormat(bytes);
        return detected switch
        {
            null => throw new ImageRejectedException(name, ImageRejectReason.UnknownFormat,
                "the content is not a recognised image (PNG, JPEG, WebP, BMP or GIF)."),
            PngFormat => ImageFileFormat.Png,
            JpegFormat => ImageFileFormat.Jpeg,
            WebpFormat => ImageFileFormat.Webp,
            BmpFormat => ImageFileFormat.Bmp,
            GifFormat => ImageFileFormat.Gif,
            _ => throw new ImageRejectedException(name, ImageRejectReason.UnsupportedFormat,
                $"{detected.Name} images are not accepted (PNG, JPEG, WebP, BMP or GIF only)."),
        };
    }

    private static (int Width, int Height) Identify(byte[] bytes, ImageFileFormat format, string name)
    {
        IImageInfo? info;
        try
        {
            info = Image.Identify(bytes);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidOperationException
                                       or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            // Prefer the specific structural reason (truncated / corrupt) when there is one.
            ContainerScan.CountFrames(bytes, format, name);
            throw new ImageRejectedException(name, ImageRejectReason.Corrupt, $"headers cannot be read: {ex.Message}", ex);
        }

        if (info is null)
        {
            ContainerScan.CountFrames(bytes, format, name);
            throw new ImageRejectedException(name, ImageRejectReason.Corrupt, "headers cannot be read.");
        }

        return (info.Width, info.Height);
    }
}
