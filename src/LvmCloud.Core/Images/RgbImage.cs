namespace LvmCloud.Core.Images;

/// <summary>
/// An RGB image as the models see it: <see cref="Data"/> holds 3 * Height * Width
/// floats in CHW order (all red values row by row, then green, then blue),
/// nominally in [0, 1].
/// </summary>
public sealed class RgbImage
{
    public const int Channels = 3;

    public RgbImage(int width, int height, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(data);
        long expected = (long)Channels * width * height;
        if (data.LongLength != expected)
        {
            throw new ArgumentException(
                $"RgbImage {width}x{height} needs {expected} floats (3 x H x W), got {data.LongLength}.", nameof(data));
        }

        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>A black image.</summary>
    public RgbImage(int width, int height)
        : this(width, height, new float[(long)Channels * width * height])
    {
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>CHW floats; index = c * Height * Width + y * Width + x.</summary>
    public float[] Data { get; }

    public int PlaneSize => Width * Height;

    public float this[int channel, int y, int x]
    {
        get => Data[Index(channel, y, x)];
        set => Data[Index(channel, y, x)] = value;
    }

    /// <summary>An image filled with one colour.</summary>
    public static RgbImage Filled(int width, int height, float r, float g, float b)
    {
        var image = new RgbImage(width, height);
        int plane = image.PlaneSize;
        Array.Fill(image.Data, r, 0, plane);
        Array.Fill(image.Data, g, plane, plane);
        Array.Fill(image.Data, b, 2 * plane, plane);
        return image;
    }

    /// <summary>A grey image (all channels equal) from H*W values in row-major order.</summary>
    public static RgbImage FromGray(int width, int height, ReadOnlySpan<float> gray)
    {
        var image = new RgbImage(width, height);
        int plane = image.PlaneSize;
        if (gray.Length != plane)
        {
            throw new ArgumentException($"Grey image {width}x{height} needs {plane} values, got {gray.Length}.", nameof(gray));
        }

        for (int c = 0; c < Channels; c++)
        {
            gray.CopyTo(image.Data.AsSpan(c * plane, plane));
        }

        return image;
    }

    public RgbImage Clone() => new(Width, Height, (float[])Data.Clone());

    /// <summary>Bicubic resize (see <see cref="ImageResampler"/>); the result is clamped to [0, 1].</summary>
    public RgbImage Resize(int width, int height) => ImageResampler.Resize(this, width, height);

    private int Index(int channel, int y, int x)
    {
        if ((uint)channel >= Channels || (uint)y >= (uint)Height || (uint)x >= (uint)Width)
        {
            throw new ArgumentOutOfRangeException(
                nameof(channel), $"Pixel (c={channel}, y={y}, x={x}) is outside a 3x{Height}x{Width} image.");
        }

        return (channel * Height * Width) + (y * Width) + x;
    }
}
