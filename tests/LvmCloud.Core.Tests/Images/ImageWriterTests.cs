using LvmCloud.Core.Images;

namespace LvmCloud.Core.Tests.Images;

public sealed class ImageWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Save_clamps_then_truncates_like_lvm()
    {
        // One pixel per value, all three channels equal.
        float[] values = [-0.2f, 0f, 0.5f, 0.999f, 1f, 1.5f, float.NaN];
        byte[] expected = [0, 0, 127, 254, 255, 255, 0];
        var image = RgbImage.FromGray(values.Length, 1, values);
        string path = _dir.File("out.png");

        ImageWriter.SavePng(image, path);
        RgbImage back = ImageLoader.Load(path, ImageLimits.Default);

        Assert.Equal(expected.Select(b => b / 255f), back.Data.Take(values.Length));
    }

    [Fact]
    public void Every_byte_value_survives_load_then_save()
    {
        float[] gray = [.. Enumerable.Range(0, 256).Select(v => v / 255f)];
        var image = RgbImage.FromGray(16, 16, gray);
        using var stream = new MemoryStream();

        ImageWriter.SavePng(image, stream);
        stream.Position = 0;
        RgbImage back = ImageLoader.Load(stream, ImageLimits.Default);

        Assert.Equal(image.Data, back.Data);
    }

    [Fact]
    public void Same_image_gives_identical_png_bytes()
    {
        var image = RgbImage.Filled(5, 4, 0.1f, 0.6f, 0.9f);

        Assert.Equal(ImageWriter.ToPngBytes(image), ImageWriter.ToPngBytes(image.Clone()));
    }

    [Fact]
    public void Resize_changes_size_and_keeps_solid_colour()
    {
        var image = RgbImage.Filled(8, 8, 0.25f, 0.5f, 0.75f);

        RgbImage resized = image.Resize(20, 12);

        Assert.Equal((20, 12), (resized.Width, resized.Height));
        Assert.All(resized.Data.Take(resized.PlaneSize), v => Assert.Equal(0.25f, v, 1e-5f));
        Assert.All(resized.Data.Skip(2 * resized.PlaneSize), v => Assert.Equal(0.75f, v, 1e-5f));
    }

    [Fact]
    public void Resize_output_stays_within_unit_range()
    {
        // A sharp edge makes bicubic overshoot; the result is clamped.
        float[] gray = [.. Enumerable.Range(0, 16).Select(i => i % 4 < 2 ? 0f : 1f)];
        var image = RgbImage.FromGray(4, 4, gray);

        RgbImage resized = image.Resize(13, 13);

        Assert.All(resized.Data, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(resized.Data, v => v is > 0.01f and < 0.99f);
    }

    [Fact]
    public void Rgb_image_rejects_data_of_the_wrong_length()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new float[11]));

        Assert.Contains("needs 12 floats", ex.Message);
    }
}
