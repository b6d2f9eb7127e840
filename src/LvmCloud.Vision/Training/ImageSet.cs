using LvmCloud.Core.Images;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>Same-size RGB images kept as bytes (4x smaller than floats), batched into (B,3,H,W) float tensors in [0,1].</summary>
public sealed class ImageSet
{
    private readonly byte[] _pixels; // (N, 3, H, W)

    public ImageSet(byte[] pixelsChw, int count, int height, int width)
    {
        if (pixelsChw.Length != (long)count * 3 * height * width)
            throw new ArgumentException($"Expected {count}x3x{height}x{width} bytes, got {pixelsChw.Length}.");
        _pixels = pixelsChw;
        Count = count; Height = height; Width = width;
    }

    /// <summary>
    /// Same-size images kept as bytes, <c>round(v * 255)</c>. Loaded images are <c>byte / 255f</c>, so this gives
    /// back their bytes exactly and <see cref="Batch"/> their values.
    /// </summary>
    public static ImageSet FromImages(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("No images.", nameof(images));
        int width = images[0].Width, height = images[0].Height, size = images[0].Data.Length;
        var bytes = new byte[images.Count * size];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Width != width || images[i].Height != height)
                throw new ArgumentException($"Image {i} is {images[i].Width}x{images[i].Height}; expected {width}x{height} like the first.", nameof(images));
            var d = images[i].Data;
            for (int j = 0; j < size; j++) bytes[i * size + j] = (byte)Math.Clamp(MathF.Round(d[j] * 255f), 0, 255);
        }
        return new ImageSet(bytes, images.Count, height, width);
    }

    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    private int ImageBytes => 3 * Height * Width;

    public Tensor Batch(IReadOnlyList<int> indices, Device? device = null)
    {
        var data = new byte[indices.Count * ImageBytes];
        for (int b = 0; b < indices.Count; b++)
            Buffer.BlockCopy(_pixels, indices[b] * ImageBytes, data, b * ImageBytes, ImageBytes);
        using var bytes = tensor(data, [indices.Count, 3, Height, Width], dtype: ScalarType.Byte);
        return (bytes.to(ScalarType.Float32) / 255f).to(device ?? CPU);
    }
}
