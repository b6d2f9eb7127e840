using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Core.Images;

/// <summary>Writes <see cref="RgbImage"/>s as 8-bit RGB PNG: values clamped to [0, 1], then truncated <c>(byte)(v * 255)</c> as LVM does.</summary>
public static class ImageWriter
{
    private static readonly PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
    };

    public static void SavePng(RgbImage image, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        using Image<Rgb24> pixels = PixelConvert.ToRgb24(image);
        pixels.Save(stream, Encoder);
    }

    /// <summary>Writes to a file, creating its folder if needed.</summary>
    public static void SavePng(RgbImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        using FileStream stream = File.Create(path);
        SavePng(image, stream);
    }

    public static byte[] ToPngBytes(RgbImage image)
    {
        using var stream = new MemoryStream();
        SavePng(image, stream);
        return stream.ToArray();
    }
}
