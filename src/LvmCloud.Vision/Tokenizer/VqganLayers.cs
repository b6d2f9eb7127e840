using TorchSharp.Modules;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Layer settings shared by every VQGAN block.</summary>
internal static class VqganLayers
{
    /// <summary>open-muse normalises with GroupNorm(32 groups, eps 1e-6, affine) everywhere.</summary>
    public const double GroupNormEps = 1e-6;

    public static GroupNorm GroupNorm(long channels) =>
        TorchSharp.torch.nn.GroupNorm(VqganConfig.GroupNormGroups, channels, eps: GroupNormEps, affine: true);
}
