using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>res-block → attention (unless <c>no_attn_mid_block</c>) → res-block, at constant width.</summary>
public sealed class MidBlock : Module<Tensor, Tensor>
{
    private readonly ResnetBlock block_1;
    private readonly AttnBlock? attn_1;
    private readonly ResnetBlock block_2;

    public MidBlock(long channels, bool noAttention, double dropoutProbability, Device? device = null) : base(nameof(MidBlock))
    {
        block_1 = new ResnetBlock(channels, channels, dropoutProbability, device);
        if (!noAttention)
            attn_1 = new AttnBlock(channels, device);
        block_2 = new ResnetBlock(channels, channels, dropoutProbability, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = block_1.forward(input);
        if (attn_1 is not null)
            hidden = VqganMemory.Replace(hidden, attn_1.forward(hidden), input);
        return VqganMemory.Replace(hidden, block_2.forward(hidden), input).MoveToOuterDisposeScope();
    }
}
