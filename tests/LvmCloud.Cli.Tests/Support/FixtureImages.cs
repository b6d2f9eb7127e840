using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Cli.Tests.Support;

/// <summary>The VQGAN fixture's <c>input_images_u8</c> (B, H, W, 3) written as lossless PNGs.</summary>
public static class FixtureImages
{
    public static string[] WritePngs(Fixture vqgan, string folder)
    {
        var shape = vqgan.Shape("input_images_u8");
        int count = (int)shape[0], height = (int)shape[1], width = (int)shape[2], size = height * width * 3;
        var bytes = vqgan.Bytes("input_images_u8");
        var paths = new string[count];
        for (int i = 0; i < count; i++)
        {
            using var image = Image.LoadPixelData<Rgb24>(bytes.AsSpan(i * size, size), width, height);
            paths[i] = Path.Combine(folder, $"input-{i}.png");
            image.SaveAsPng(paths[i]);
        }
        return paths;
    }
}
