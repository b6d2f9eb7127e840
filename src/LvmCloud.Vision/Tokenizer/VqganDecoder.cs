using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>The open-muse decoder: latents (B, z_channels, h, w) → raw images (B, C, h·f, w·f), after <c>post_quant_conv</c>.</summary>
public sealed class VqganDecoder : Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly MidBlock mid;
    private readonly ModuleList<UpsamplingBlock> up;
    private readonly VqganGroupNorm norm_out;
    private readonly Conv2d conv_out;

    public VqganDecoder(VqganConfig config, Device? device = null) : base(nameof(VqganDecoder))
    {
        var last = config.NumResolutions - 1;
        long blockIn = config.HiddenChannels * config.ChannelMult[last];
        conv_in = Conv2d(config.ZChannels, blockIn, kernel_size: 3, stride: 1, padding: 1, device: device);
        mid = new MidBlock(blockIn, config.NoAttnMidBlock, config.Dropout, device);

        // Levels are built from the lowest resolution up but stored (and named) by level index.
        var levels = new UpsamplingBlock[config.NumResolutions];
        var levelResolution = config.Resolution / config.Downsampling;
        for (var level = last; level >= 0; level--)
        {
            levels[level] = new UpsamplingBlock(config, levelResolution, level, device);
            if (level != 0)
                levelResolution *= 2;
        }
        up = new ModuleList<UpsamplingBlock>(levels);

        long blockOut = config.HiddenChannels * config.ChannelMult[0];
        norm_out = VqganLayers.GroupNorm(blockOut, device);
        conv_out = Conv2d(blockOut, config.NumChannels, kernel_size: 3, stride: 1, padding: 1, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = conv_in.forward(input);
        hidden = VqganMemory.Replace(hidden, mid.forward(hidden), input);
        for (var level = up.Count - 1; level >= 0; level--)
            hidden = VqganMemory.Replace(hidden, up[level].forward(hidden), input);
        if (!VqganMemory.FreeEarly)
            return conv_out.forward(silu(norm_out.forward(hidden))).MoveToOuterDisposeScope();
        var activated = VqganMemory.SiluOwned(norm_out.forward(hidden));
        hidden.Dispose();
        return conv_out.forward(activated).MoveToOuterDisposeScope();
    }
}
