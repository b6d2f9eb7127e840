using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SharpResizeMode = SixLabors.ImageSharp.Processing.ResizeMode;

namespace LvmCloud.Core.Images;

/// <summary>
/// Reads PNG, JPEG, WebP, BMP and GIF into <see cref="RgbImage"/> (CHW floats,
/// <c>byte / 255f</c>). Limits are checked from the headers before any pixel is
/// decoded (<see cref="ImageInspector"/>). Then:
/// <list type="bullet">
/// <item>only the first frame of an animation is kept;</item>
/// <item>the EXIF orientation is applied, so the image is upright as viewers show it;</item>
/// <item>grayscale and palette images become RGB;</item>
/// <item>transparency is flattened onto a white background
/// (<c>round((c * a + 255 * (255 - a)) / 255)</c> per 8-bit channel), so a transparent
/// pixel becomes white, not whatever colour its RGB bytes happen to hold.</item>
/// </list>
/// </summary>
public static class ImageLoader
{
    /// <summary>Loads at the image's own (oriented) size.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="limits">Limits checked before decoding.</param>
    /// <param name="imageName">Name used in errors (e.g. the manifest's relative path); defaults to <paramref name="path"/>.</param>
    public static RgbImage Load(string path, ImageLimits limits, string? imageName = null)
    {
        ImageInfo info = ImageInspector.InspectFile(path, limits, imageName, out byte[] bytes);
        using Image<Rgb24> image = DecodeUpright(bytes, info, imageName ?? path);
        return PixelConvert.ToRgbImage(image);
    }

    /// <summary>Loads at the image's own (oriented) size.</summary>
    public static RgbImage Load(Stream stream, ImageLimits limits, string imageName = "image")
    {
        byte[] bytes = ImageInspector.ReadBounded(stream, limits, imageName);
        ImageInfo info = ImageInspector.InspectBytes(bytes, limits, imageName);
        using Image<Rgb24> image = DecodeUpright(bytes, info, imageName);
        return PixelConvert.ToRgbImage(image);
    }

    /// <summary>Loads and resizes to a square model input of <paramref name="resolution"/> pixels a side.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="resolution">Side of the square model input.</param>
    /// <param name="mode">Stretch (LVM) or centre crop.</param>
    /// <param name="limits">Limits checked before decoding.</param>
    /// <param name="imageName">Name used in errors; defaults to <paramref name="path"/>.</param>
    public static LoadedImage LoadForModel(string path, int resolution, ResizeMode mode, ImageLimits limits, string? imageName = null)
    {
        ImageInfo info = ImageInspector.InspectFile(path, limits, imageName, out byte[] bytes);
        return Prepare(bytes, info, resolution, mode, imageName ?? path);
    }

    /// <summary>Loads and resizes to a square model input of <paramref name="resolution"/> pixels a side.</summary>
    public static LoadedImage LoadForModel(Stream stream, int resolution, ResizeMode mode, ImageLimits limits, string imageName = "image")
    {
        byte[] bytes = ImageInspector.ReadBounded(stream, limits, imageName);
        ImageInfo info = ImageInspector.InspectBytes(bytes, limits, imageName);
        return Prepare(bytes, info, resolution, mode, imageName);
    }

    private static LoadedImage Prepare(byte[] bytes, ImageInfo info, int resolution, ResizeMode mode, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        using Image<Rgb24> image = DecodeUpright(bytes, info, name);
        int sourceWidth = image.Width;
        int sourceHeight = image.Height;
        if (mode == ResizeMode.CenterCrop && sourceWidth != sourceHeight)
        {
            int side = Math.Min(sourceWidth, sourceHeight);
            var square = new Rectangle((sourceWidth - side) / 2, (sourceHeight - side) / 2, side, side);
            image.Mutate(ctx => ctx.Crop(square));
        }
        else if (mode is not (ResizeMode.Stretch or ResizeMode.CenterCrop))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown resize mode.");
        }

        if (image.Width != resolution || image.Height != resolution)
        {
            image.Mutate(ctx => ctx.Resize(new ResizeOptions
            {
                Size = new Size(resolution, resolution),
                Mode = SharpResizeMode.Stretch,
                Sampler = ImageResampler.Sampler,
            }));
        }

        return new LoadedImage(PixelConvert.ToRgbImage(image), sourceWidth, sourceHeight, info);
    }

    private static Image<Rgb24> DecodeUpright(byte[] bytes, ImageInfo info, string name)
    {
        Image<Rgba32> decoded;
        try
        {
            decoded = info.Format == ImageFileFormat.Gif
                ? Image.Load<Rgba32>(bytes, new GifDecoder { DecodingMode = FrameDecodingMode.First })
                : Image.Load<Rgba32>(bytes);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidOperationException
                                       or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new ImageRejectedException(name, ImageRejectReason.Corrupt, $"pixel data cannot be decoded: {ex.Message}", ex);
        }

        using (decoded)
        {
            using Image<Rgba32> first = decoded.Frames.Count > 1 ? decoded.Frames.CloneFrame(0) : decoded;
            first.Mutate(ctx => ctx.AutoOrient());
            return FlattenOntoWhite(first);
        }
    }

    private static Image<Rgb24> FlattenOntoWhite(Image<Rgba32> source)
    {
        var result = new Image<Rgb24>(source.Width, source.Height);
        source.ProcessPixelRows(result, (from, to) =>
        {
            for (int y = 0; y < from.Height; y++)
            {
                Span<Rgba32> inRow = from.GetRowSpan(y);
                Span<Rgb24> outRow = to.GetRowSpan(y);
                for (int x = 0; x < inRow.Length; x++)
                {
                    Rgba32 p = inRow[x];
                    outRow[x] = p.A == 255
                        ? new Rgb24(p.R, p.G, p.B)
                        : new Rgb24(Over(p.R, p.A), Over(p.G, p.A), Over(p.B, p.A));
                }
            }
        });
        return result;
    }

    private static byte Over(byte colour, byte alpha) =>
        (byte)(((colour * alpha) + (255 * (255 - alpha)) + 127) / 255);
}
