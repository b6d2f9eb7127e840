using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Doubles H and W by nearest-neighbour repetition (out[y, x] = in[y/2, x/2]), then a 3×3 conv.</summary>
public sealed class Upsample : Module<Tensor, Tensor>
{
    private static readonly double[] TimesTwo = [2.0, 2.0];

    private readonly Conv2d? conv;

    public Upsample(long channels, bool withConv, Device? device = null) : base(nameof(Upsample))
    {
        if (withConv)
            conv = Conv2d(channels, channels, kernel_size: 3, stride: 1, padding: 1, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var upsampled = interpolate(input, scale_factor: TimesTwo, mode: InterpolationMode.Nearest); // (B, C, 2H, 2W)
        if (conv is null) return upsampled;
        using (upsampled)
            return conv.forward(upsampled);
    }
}
