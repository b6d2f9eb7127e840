using LvmCloud.Core.Images;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Pipelines;

/// <summary>Conversions between Core's <see cref="RgbImage"/> (CHW floats) and (B, 3, H, W) tensors.</summary>
public static class ImageTensors
{
    public static Tensor Stack(IReadOnlyList<RgbImage> images)
    {
        if (images.Count == 0) throw new ArgumentException("No images to stack.");
        int w = images[0].Width, h = images[0].Height;
        var data = new float[images.Count * 3 * h * w];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Width != w || images[i].Height != h)
                throw new ArgumentException($"Image {i} is {images[i].Width}x{images[i].Height}; expected {w}x{h} like the first.");
            images[i].Data.CopyTo(data, i * 3 * h * w);
        }
        return tensor(data, [images.Count, 3, h, w]);
    }

    public static List<RgbImage> Unstack(Tensor images)
    {
        using var cpu = images.detach().cpu().to(ScalarType.Float32).contiguous();
        int b = (int)cpu.shape[0], h = (int)cpu.shape[2], w = (int)cpu.shape[3];
        var all = cpu.data<float>().ToArray();
        var result = new List<RgbImage>(b);
        for (int i = 0; i < b; i++)
            result.Add(new RgbImage(w, h, all.AsSpan(i * 3 * h * w, 3 * h * w).ToArray()));
        return result;
    }
}
