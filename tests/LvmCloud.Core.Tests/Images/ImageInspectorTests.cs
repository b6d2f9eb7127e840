using LvmCloud.Core.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Core.Tests.Images;

public sealed class ImageInspectorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Identifies_png_dimensions_and_format()
    {
        string path = TestImages.Save(TestImages.Solid(7, 5, Color.Red), _dir.File("a.png"), new PngEncoder());

        ImageInfo info = ImageInspector.Inspect(path, ImageLimits.Default);

        Assert.Equal(new ImageInfo(7, 5, 1, ImageFileFormat.Png), info);
    }

    [Fact]
    public void Counts_gif_frames()
    {
        string path = _dir.File("anim.gif");
        WriteGif(path, frames: 3);

        ImageInfo info = ImageInspector.Inspect(path, ImageLimits.Default);

        Assert.Equal(ImageFileFormat.Gif, info.Format);
        Assert.Equal(3, info.Frames);
    }

    [Fact]
    public void Rejects_gif_with_too_many_frames()
    {
        string path = _dir.File("anim.gif");
        WriteGif(path, frames: 3);

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageInspector.Inspect(path, ImageLimits.Default with { MaxFrames = 2 }));

        Assert.Equal(ImageRejectReason.TooManyFrames, ex.Reason);
        Assert.Contains("anim.gif", ex.Message);
    }

    [Fact]
    public void Rejects_file_over_byte_limit_before_reading_it()
    {
        string path = TestImages.Save(TestImages.Solid(16, 16, Color.Blue), _dir.File("big.png"), new PngEncoder());
        long size = new FileInfo(path).Length;

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageInspector.Inspect(path, ImageLimits.Default with { MaxBytes = size - 1 }));

        Assert.Equal(ImageRejectReason.TooLargeBytes, ex.Reason);
        Assert.Equal(path, ex.ImageName);
    }

    [Fact]
    public void Rejects_non_seekable_stream_over_byte_limit()
    {
        using var stream = new ForwardOnlyStream(new byte[5000]);

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageInspector.Inspect(stream, ImageLimits.Default with { MaxBytes = 4096 }, "upload.png"));

        Assert.Equal(ImageRejectReason.TooLargeBytes, ex.Reason);
        Assert.Equal("upload.png", ex.ImageName);
    }

    [Fact]
    public void Rejects_header_claiming_too_many_pixels_without_decoding()
    {
        byte[] bytes = TestImages.PngHeaderClaiming(8000, 8000);
        Assert.True(bytes.Length < 100);

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageInspector.Inspect(new MemoryStream(bytes), ImageLimits.Default, "bomb.png"));

        Assert.Equal(ImageRejectReason.TooManyPixels, ex.Reason);
        Assert.Contains("8000x8000", ex.Message);
    }

    [Fact]
    public void Rejects_header_claiming_width_over_limit()
    {
        byte[] bytes = TestImages.PngHeaderClaiming(100_000, 4);

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageInspector.Inspect(new MemoryStream(bytes), ImageLimits.Default, "wide.png"));

        Assert.Equal(ImageRejectReason.TooLargeDimensions, ex.Reason);
    }

    [Fact]
    public void Rejects_zero_byte_file_as_empty()
    {
        string path = _dir.File("empty.png");
        File.WriteAllBytes(path, []);

        var ex = Assert.Throws<ImageRejectedException>(() => ImageInspector.Inspect(path, ImageLimits.Default));

        Assert.Equal(ImageRejectReason.Empty, ex.Reason);
    }

    [Fact]
    public void Rejects_text_file_named_png_as_unknown_format()
    {
        string path = _dir.File("notes.png");
        File.WriteAllText(path, "this is not an image\n");

        var ex = Assert.Throws<ImageRejectedException>(() => ImageInspector.Inspect(path, ImageLimits.Default));

        Assert.Equal(ImageRejectReason.UnknownFormat, ex.Reason);
        Assert.Contains("notes.png", ex.Message);
    }

    [Fact]
    public void Errors_use_the_given_image_name_instead_of_the_local_path()
    {
        string path = _dir.File("local-copy.png");
        File.WriteAllText(path, "text");

        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageLoader.LoadForModel(path, 32, ResizeMode.Stretch, ImageLimits.Default, "frames/a.png"));

        Assert.Equal("frames/a.png", ex.ImageName);
        Assert.DoesNotContain(_dir.Path, ex.Message);
    }

    [Fact]
    public void Rejects_missing_file_as_not_found()
    {
        var ex = Assert.Throws<ImageRejectedException>(
            () => ImageInspector.Inspect(_dir.File("nope.png"), ImageLimits.Default));

        Assert.Equal(ImageRejectReason.NotFound, ex.Reason);
    }

    [Fact]
    public void Rejects_unsupported_format()
    {
        string path = TestImages.Save(TestImages.Solid(4, 4, Color.Red), _dir.File("a.tga"), new SixLabors.ImageSharp.Formats.Tga.TgaEncoder());

        var ex = Assert.Throws<ImageRejectedException>(() => ImageInspector.Inspect(path, ImageLimits.Default));

        Assert.Equal(ImageRejectReason.UnsupportedFormat, ex.Reason);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("gif")]
    [InlineData("webp")]
    [InlineData("bmp")]
    public void Rejects_truncated_file(string extension)
    {
        string path = _dir.File("whole." + extension);
        using (Image<Rgba32> image = Noise(32, 32))
        {
            image.Save(path);
        }

        byte[] whole = File.ReadAllBytes(path);
        string cut = _dir.File("cut." + extension);
        File.WriteAllBytes(cut, whole[..(whole.Length * 2 / 3)]);

        var ex = Assert.Throws<ImageRejectedException>(() => ImageInspector.Inspect(cut, ImageLimits.Default));

        Assert.Equal(ImageRejectReason.Truncated, ex.Reason);
        Assert.Contains("cut." + extension, ex.Message);
    }

    private static Image<Rgba32> Noise(int width, int height)
    {
        var random = new Random(1);
        var image = new Image<Rgba32>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            }
        }

        return image;
    }

    internal static void WriteGif(string path, int frames)
    {
        Rgba32[] colours = [Color.Red, Color.Blue, Color.Lime, Color.Yellow];
        using Image<Rgba32> image = TestImages.Solid(4, 4, colours[0]);
        for (int i = 1; i < frames; i++)
        {
            using Image<Rgba32> frame = TestImages.Solid(4, 4, colours[i % colours.Length]);
            image.Frames.AddFrame(frame.Frames.RootFrame);
        }

        image.Save(path, new GifEncoder());
    }

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
