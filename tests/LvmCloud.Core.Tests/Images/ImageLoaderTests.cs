using LvmCloud.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Core.Tests.Images;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Loads_exact_byte_over_255_values_in_chw_order()
    {
        var image = new Image<Rgba32>(3, 2);
        image[0, 0] = new Rgba32(0, 1, 2);
        image[1, 0] = new Rgba32(3, 126, 127);
        image[2, 0] = new Rgba32(128, 129, 200);
        image[0, 1] = new Rgba32(250, 251, 252);
        image[1, 1] = new Rgba32(253, 254, 255);
        image[2, 1] = new Rgba32(17, 99, 31);
        string path = TestImages.Save(image, _dir.File("exact.png"), new PngEncoder());

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        byte[] r = [0, 3, 128, 250, 253, 17];
        byte[] g = [1, 126, 129, 251, 254, 99];
        byte[] b = [2, 127, 200, 252, 255, 31];
        float[] expected = [.. r.Concat(g).Concat(b).Select(v => v / 255f)];
        Assert.Equal(3, loaded.Width);
        Assert.Equal(2, loaded.Height);
        Assert.Equal(expected, loaded.Data);
    }

    [Fact]
    public void Applies_exif_orientation_6_to_jpeg()
    {
        Image<Rgba32> image = TestImages.TwoHalves(32, 16, Color.Red, Color.Blue);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        string path = TestImages.Save(image, _dir.File("rotated.jpg"), new JpegEncoder { Quality = 95 });

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        // Orientation 6: rotate 90 degrees clockwise to display, so the left (red) half ends on top.
        Assert.Equal(16, loaded.Width);
        Assert.Equal(32, loaded.Height);
        Assert.True(loaded[0, 4, 8] > 0.9f && loaded[2, 4, 8] < 0.1f, "top should be red");
        Assert.True(loaded[2, 28, 8] > 0.9f && loaded[0, 28, 8] < 0.1f, "bottom should be blue");
    }

    [Fact]
    public void Applies_exif_orientation_6_to_a_2x1_jpeg()
    {
        Image<Rgba32> image = TestImages.Solid(2, 1, Color.Gray);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        string path = TestImages.Save(image, _dir.File("tiny.jpg"), new JpegEncoder());

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal((1, 2), (loaded.Width, loaded.Height));
    }

    [Fact]
    public void Flattens_alpha_onto_white()
    {
        var image = new Image<Rgba32>(3, 1);
        image[0, 0] = new Rgba32(255, 0, 0, 0);     // fully transparent red
        image[1, 0] = new Rgba32(0, 0, 0, 128);     // half transparent black
        image[2, 0] = new Rgba32(10, 20, 30, 255);  // opaque
        string path = TestImages.Save(image, _dir.File("alpha.png"), new PngEncoder { ColorType = PngColorType.RgbWithAlpha });

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal([1f, 1f, 1f], Pixel(loaded, 0, 0));
        // round((0 * 128 + 255 * 127) / 255) = 127
        Assert.Equal([127 / 255f, 127 / 255f, 127 / 255f], Pixel(loaded, 1, 0));
        Assert.Equal([10 / 255f, 20 / 255f, 30 / 255f], Pixel(loaded, 2, 0));
    }

    [Fact]
    public void Converts_palette_png_to_rgb()
    {
        Image<Rgba32> image = TestImages.TwoHalves(4, 2, new Rgba32(200, 10, 60), new Rgba32(5, 90, 240));
        string path = TestImages.Save(image, _dir.File("palette.png"), new PngEncoder { ColorType = PngColorType.Palette });

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal([200 / 255f, 10 / 255f, 60 / 255f], Pixel(loaded, 0, 1));
        Assert.Equal([5 / 255f, 90 / 255f, 240 / 255f], Pixel(loaded, 3, 0));
    }

    [Fact]
    public void Converts_grayscale_png_to_equal_rgb_channels()
    {
        var image = new Image<L8>(2, 1);
        image[0, 0] = new L8(100);
        image[1, 0] = new L8(7);
        string path = TestImages.Save(image, _dir.File("gray.png"), new PngEncoder { ColorType = PngColorType.Grayscale });

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal([100 / 255f, 100 / 255f, 100 / 255f], Pixel(loaded, 0, 0));
        Assert.Equal([7 / 255f, 7 / 255f, 7 / 255f], Pixel(loaded, 1, 0));
    }

    [Fact]
    public void Keeps_only_the_first_gif_frame()
    {
        string path = _dir.File("anim.gif");
        ImageInspectorTests.WriteGif(path, frames: 2); // red, then blue

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal([1f, 0f, 0f], Pixel(loaded, 1, 1));
    }

    [Fact]
    public void Loads_lossless_webp_exactly()
    {
        Image<Rgba32> image = TestImages.TwoHalves(4, 4, new Rgba32(12, 34, 56), new Rgba32(78, 90, 123));
        string path = TestImages.Save(image, _dir.File("a.webp"), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal(ImageFileFormat.Webp, ImageInspector.Inspect(path, ImageLimits.Default).Format);
        Assert.Equal([12 / 255f, 34 / 255f, 56 / 255f], Pixel(loaded, 0, 3));
        Assert.Equal([78 / 255f, 90 / 255f, 123 / 255f], Pixel(loaded, 3, 0));
    }

    [Fact]
    public void Loads_bmp_exactly()
    {
        Image<Rgba32> image = TestImages.TwoHalves(6, 3, new Rgba32(1, 2, 3), new Rgba32(250, 128, 64));
        string path = TestImages.Save(image, _dir.File("a.bmp"), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });

        RgbImage loaded = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal((6, 3), (loaded.Width, loaded.Height));
        Assert.Equal([1 / 255f, 2 / 255f, 3 / 255f], Pixel(loaded, 0, 2));
        Assert.Equal([250 / 255f, 128 / 255f, 64 / 255f], Pixel(loaded, 5, 0));
    }

    [Fact]
    public void Center_crop_keeps_the_middle_square()
    {
        // 6x2: columns 0-1 green, 2-3 red, 4-5 blue.
        var image = new Image<Rgba32>(6, 2);
        Rgba32[] columns = [Color.Lime, Color.Lime, Color.Red, Color.Red, Color.Blue, Color.Blue];
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 6; x++)
            {
                image[x, y] = columns[x];
            }
        }

        string path = TestImages.Save(image, _dir.File("wide.png"), new PngEncoder());

        LoadedImage loaded = ImageLoader.LoadForModel(path, 2, ResizeMode.CenterCrop, ImageLimits.Default);

        Assert.Equal((6, 2), (loaded.SourceWidth, loaded.SourceHeight));
        Assert.Equal(RgbImage.Filled(2, 2, 1f, 0f, 0f).Data, loaded.Pixels.Data);
    }

    [Fact]
    public void Stretch_resizes_to_the_model_resolution_ignoring_aspect()
    {
        string path = TestImages.Save(TestImages.TwoHalves(40, 10, Color.Red, Color.Blue), _dir.File("wide.png"), new PngEncoder());

        LoadedImage loaded = ImageLoader.LoadForModel(path, 16, ResizeMode.Stretch, ImageLimits.Default);

        Assert.Equal((16, 16), (loaded.Pixels.Width, loaded.Pixels.Height));
        Assert.Equal([1f, 0f, 0f], Pixel(loaded.Pixels, 0, 15));
        Assert.Equal([0f, 0f, 1f], Pixel(loaded.Pixels, 15, 0));
    }

    [Fact]
    public void Model_load_of_a_solid_image_stays_solid_after_bicubic_resize()
    {
        string path = TestImages.Save(TestImages.Solid(37, 23, new Rgba32(90, 180, 30)), _dir.File("solid.png"), new PngEncoder());

        LoadedImage loaded = ImageLoader.LoadForModel(path, 32, ResizeMode.Stretch, ImageLimits.Default);

        Assert.Equal(RgbImage.Filled(32, 32, 90 / 255f, 180 / 255f, 30 / 255f).Data, loaded.Pixels.Data);
    }

    [Fact]
    public void Model_load_checks_limits_before_decoding()
    {
        var stream = new MemoryStream(TestImages.PngHeaderClaiming(8000, 8000));

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageLoader.LoadForModel(stream, 32, ResizeMode.Stretch, ImageLimits.Default, "bomb.png"));

        Assert.Equal(ImageRejectReason.TooManyPixels, ex.Reason);
    }

    [Fact]
    public void Corrupt_pixel_data_is_a_specific_error()
    {
        string path = TestImages.Save(TestImages.Solid(16, 16, Color.Red), _dir.File("ok.png"), new PngEncoder());
        byte[] bytes = File.ReadAllBytes(path);
        int idat = IndexOf(bytes, "IDAT"u8);
        for (int i = idat + 4; i < idat + 20; i++)
        {
            bytes[i] ^= 0x5A; // scramble the compressed stream, keep the chunk structure
        }

        string broken = _dir.File("broken.png");
        File.WriteAllBytes(broken, bytes);

        var ex = Assert.Throws<ImageRejectedException>(() => ImageLoader.Load(broken, ImageLimits.Default));

        Assert.Equal(ImageRejectReason.Corrupt, ex.Reason);
        Assert.Contains("broken.png", ex.Message);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    private static float[] Pixel(RgbImage image, int x, int y) => [image[0, y, x], image[1, y, x], image[2, y, x]];
}
