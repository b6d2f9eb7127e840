using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Layer settings shared by every VQGAN block.</summary>
internal static class VqganLayers
{
    /// <summary>open-muse normalises with GroupNorm(32 groups, eps 1e-6, affine) everywhere.</summary>
    public const double GroupNormEps = 1e-6;

    /// <summary>GroupNorm with PyTorch's initial values (weight 1, bias 0) set explicitly.</summary>
    public static GroupNorm GroupNorm(long channels, Device? device)
    {
        var norm = TorchSharp.torch.nn.GroupNorm(VqganConfig.GroupNormGroups, channels, eps: GroupNormEps, affine: true, device: device);
        using (no_grad())
        {
            norm.weight!.fill_(1.0);
            norm.bias!.fill_(0.0);
        }
        return norm;
    }
}
