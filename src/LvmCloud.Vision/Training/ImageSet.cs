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
