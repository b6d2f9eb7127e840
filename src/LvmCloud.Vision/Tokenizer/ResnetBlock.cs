using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>GN → SiLU → conv1 → GN → SiLU → dropout → conv2, plus the input (through a 1×1 <c>nin_shortcut</c> when the widths differ).</summary>
public sealed class ResnetBlock : Module<Tensor, Tensor>
{
    private readonly VqganGroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly VqganGroupNorm norm2;
    private readonly Dropout dropout;
    private readonly Conv2d conv2;
    private readonly Conv2d? nin_shortcut;

    public ResnetBlock(long inChannels, long outChannels, double dropoutProbability, Device? device = null) : base(nameof(ResnetBlock))
    {
        norm1 = VqganLayers.GroupNorm(inChannels, device);
        conv1 = Conv2d(inChannels, outChannels, kernel_size: 3, stride: 1, padding: 1, device: device);
        norm2 = VqganLayers.GroupNorm(outChannels, device);
        dropout = Dropout(dropoutProbability);
        conv2 = Conv2d(outChannels, outChannels, kernel_size: 3, stride: 1, padding: 1, device: device);
        if (inChannels != outChannels)
            nin_shortcut = Conv2d(inChannels, outChannels, kernel_size: 1, stride: 1, padding: 0L, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        if (!VqganMemory.FreeEarly)
        {
            var kept = conv1.forward(silu(norm1.forward(input)));
            kept = conv2.forward(dropout.forward(silu(norm2.forward(kept))));
            var keptResidual = nin_shortcut is null ? input : nin_shortcut.forward(input);
            return (kept + keptResidual).MoveToOuterDisposeScope();
        }

        // Each intermediate is disposed at its last use (VqganMemory): at most two activations alive at a time.
        var activated = VqganMemory.SiluOwned(norm1.forward(input));
        var hidden = conv1.forward(activated);
        activated.Dispose();
        activated = VqganMemory.SiluOwned(norm2.forward(hidden));
        hidden.Dispose();
        var dropped = dropout.forward(activated);
        if (!ReferenceEquals(dropped, activated)) activated.Dispose();
        hidden = conv2.forward(dropped);
        dropped.Dispose();
        if (nin_shortcut is null)
            hidden.add_(input);
        else
            using (var residual = nin_shortcut.forward(input))
                hidden.add_(residual);
        return hidden.MoveToOuterDisposeScope();
    }
}
