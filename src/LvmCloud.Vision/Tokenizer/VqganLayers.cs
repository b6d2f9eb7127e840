using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Layer settings shared by every VQGAN block.</summary>
internal static class VqganLayers
{
    /// <summary>open-muse normalises with GroupNorm(32 groups, eps 1e-6, affine) everywhere.</summary>
    public const double GroupNormEps = 1e-6;

    /// <summary>
    /// GroupNorm(32, channels, eps 1e-6) with its affine parameters set to PyTorch's defaults (weight 1, bias 0)
    /// explicitly: TorchSharp 0.107 was seen to leave them uninitialised (NaN) now and then, which only shows in a
    /// freshly built model that is trained rather than loaded.
    /// </summary>
    public static GroupNorm GroupNorm(long channels)
    {
        var norm = TorchSharp.torch.nn.GroupNorm(VqganConfig.GroupNormGroups, channels, eps: GroupNormEps, affine: true);
        using (no_grad())
        {
            norm.weight!.fill_(1.0);
            norm.bias!.zero_();
        }
        return norm;
    }
}
