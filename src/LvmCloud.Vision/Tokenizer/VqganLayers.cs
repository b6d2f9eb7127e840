using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Layer settings shared by every VQGAN block.</summary>
internal static class VqganLayers
{
    /// <summary>open-muse normalises with GroupNorm(32 groups, eps 1e-6, affine) everywhere.</summary>
    public const double GroupNormEps = 1e-6;

    /// <summary>GroupNorm(32, channels, eps 1e-6) with PyTorch's initial values (weight 1, bias 0).</summary>
    public static VqganGroupNorm GroupNorm(long channels, Device? device) =>
        new(VqganConfig.GroupNormGroups, channels, GroupNormEps, device);
}
