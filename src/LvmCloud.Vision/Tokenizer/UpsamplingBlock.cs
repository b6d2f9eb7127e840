using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// One decoder level (<c>decoder.up.{i}</c>, named by level, run from the last level down to 0):
/// <c>num_res_blocks + 1</c> res-blocks, an attention block after each when the level's resolution is in
/// <c>attn_resolutions</c>, then an <see cref="Upsample"/> except at level 0.
/// </summary>
public sealed class UpsamplingBlock : Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock> block;
    private readonly ModuleList<AttnBlock> attn;
    private readonly Upsample? upsample;

    public UpsamplingBlock(VqganConfig config, int levelResolution, int level, Device? device = null) : base(nameof(UpsamplingBlock))
    {
        var last = config.NumResolutions - 1;
        long blockIn = config.HiddenChannels * config.ChannelMult[level == last ? last : level + 1];
        long blockOut = config.HiddenChannels * config.ChannelMult[level];

        block = new ModuleList<ResnetBlock>();
        attn = new ModuleList<AttnBlock>();
        for (var j = 0; j < config.NumResBlocks + 1; j++)
        {
            block.Add(new ResnetBlock(blockIn, blockOut, config.Dropout, device));
            blockIn = blockOut;
            if (config.AttnResolutions.Contains(levelResolution))
                attn.Add(new AttnBlock(blockIn, device));
        }

        if (level != 0)
            upsample = new Upsample(blockIn, config.ResampleWithConv, device);
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

        if (upsample is not null)
            hidden = VqganMemory.Replace(hidden, upsample.forward(hidden), input);
        return hidden.MoveToOuterDisposeScope();
    }
}
