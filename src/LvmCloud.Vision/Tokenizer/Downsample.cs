using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// Halves H and W: zero-pad right and bottom by one, then a 3×3 stride-2 conv without padding
/// (or 2×2 average pooling when <c>resample_with_conv</c> is false).
/// </summary>
public sealed class Downsample : Module<Tensor, Tensor>
{
    private static readonly long[] RightBottomPad = [0, 1, 0, 1];

    private readonly Conv2d? conv;

    public Downsample(long channels, bool withConv, Device? device = null) : base(nameof(Downsample))
    {
        if (withConv)
            conv = Conv2d(channels, channels, kernel_size: 3, stride: 2, padding: 0L, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (conv is null)
            return avg_pool2d(input, kernel_size: 2, stride: 2);

        using var padded = pad(input, RightBottomPad, PaddingModes.Constant, 0.0); // (B, C, H+1, W+1)
        return conv.forward(padded);                                                // (B, C, H/2, W/2)
    }
}
