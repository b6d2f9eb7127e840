using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>The open-muse encoder: images (B, C, H, W) → latents (B, z_channels, H/f, W/f), before <c>quant_conv</c>.</summary>
public sealed class VqganEncoder : Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<DownsamplingBlock> down;
    private readonly MidBlock mid;
    private readonly VqganGroupNorm norm_out;
    private readonly Conv2d conv_out;

    public VqganEncoder(VqganConfig config, Device? device = null) : base(nameof(VqganEncoder))
    {
        conv_in = Conv2d(config.NumChannels, config.HiddenChannels, kernel_size: 3, stride: 1, padding: 1, device: device);

        down = new ModuleList<DownsamplingBlock>();
        var levelResolution = config.Resolution;
        for (var level = 0; level < config.NumResolutions; level++)
        {
            down.Add(new DownsamplingBlock(config, levelResolution, level, device));
            if (level != config.NumResolutions - 1)
                levelResolution /= 2;
        }

        long midChannels = config.HiddenChannels * config.ChannelMult[^1];
        mid = new MidBlock(midChannels, config.NoAttnMidBlock, config.Dropout, device);
        norm_out = VqganLayers.GroupNorm(midChannels, device);
        conv_out = Conv2d(midChannels, config.ZChannels, kernel_size: 3, stride: 1, padding: 1, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = conv_in.forward(input);
        foreach (var level in down)
            hidden = VqganMemory.Replace(hidden, level.forward(hidden), input);
        hidden = VqganMemory.Replace(hidden, mid.forward(hidden), input);
        if (!VqganMemory.FreeEarly)
            return conv_out.forward(silu(norm_out.forward(hidden))).MoveToOuterDisposeScope();
        var activated = VqganMemory.SiluOwned(norm_out.forward(hidden));
        hidden.Dispose();
        return conv_out.forward(activated).MoveToOuterDisposeScope();
    }
}
