using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Platform.Tests.Infrastructure;

internal static class TestImages
{
    /// <summary>A small PNG whose left half is red and right half is blue, with a per-image shade.</summary>
    public static byte[] Png(int width, int height, byte shade)
    {
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                image[x, y] = x < width / 2 ? new Rgb24(255, shade, 0) : new Rgb24(0, shade, 255);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
