using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// One encoder level (<c>encoder.down.{i}</c>): <c>num_res_blocks</c> res-blocks, an attention block after each
/// when the level's resolution is in <c>attn_resolutions</c>, then a <see cref="Downsample"/> except at the last level.
/// </summary>
public sealed class DownsamplingBlock : Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock> block;
    private readonly ModuleList<AttnBlock> attn;
    private readonly Downsample? downsample;

    public DownsamplingBlock(VqganConfig config, int levelResolution, int level, Device? device = null) : base(nameof(DownsamplingBlock))
    {
        // The encoder's input multipliers are (1,) + channel_mult.
        long blockIn = config.HiddenChannels * (level == 0 ? 1 : config.ChannelMult[level - 1]);
        long blockOut = config.HiddenChannels * config.ChannelMult[level];

        block = new ModuleList<ResnetBlock>();
        attn = new ModuleList<AttnBlock>();
        for (var j = 0; j < config.NumResBlocks; j++)
        {
            block.Add(new ResnetBlock(blockIn, blockOut, config.Dropout, device));
            blockIn = blockOut;
            if (config.AttnResolutions.Contains(levelResolution))
                attn.Add(new AttnBlock(blockIn, device));
        }

        if (level != config.NumResolutions - 1)
            downsample = new Downsample(blockIn, config.ResampleWithConv, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = input;
        for (var j = 0; j < block.Count; j++)
        {
            hidden = VqganMemory.Replace(hidden, block[j].forward(hidden), input);
            // open-muse applies a level's attention only when it owns more than one attention block.
            if (attn.Count > 1)
                hidden = VqganMemory.Replace(hidden, attn[j].forward(hidden), input);
        }

        if (downsample is not null)
            hidden = VqganMemory.Replace(hidden, downsample.forward(hidden), input);
        return hidden.MoveToOuterDisposeScope();
    }
}
