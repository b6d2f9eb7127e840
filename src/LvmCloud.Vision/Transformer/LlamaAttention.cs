using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>Causal grouped-query self-attention with rotary embeddings, HF LLaMA numerics.</summary>
public sealed class LlamaAttention : nn.Module<Tensor, LlamaAttentionContext, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly int layerIndex;
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;

    public LlamaAttention(LlamaConfig config, int layerIndex, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaAttention))
    {
        this.layerIndex = layerIndex;
        heads = config.NumAttentionHeads;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        bool bias = config.AttentionBias;
        q_proj = nn.Linear(config.HiddenSize, heads * headDim, bias, device, dtype);
        k_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, bias, device, dtype);
        v_proj = nn.Linear(config.HiddenSize, kvHeads * headDim, bias, device, dtype);
        o_proj = nn.Linear(heads * headDim, config.HiddenSize, bias, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, LlamaAttentionContext ctx)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = HalfLinear.Forward(q_proj, x).view(b, t, heads, headDim).transpose(1, 2);   // (B, H, T, d)
        var k = HalfLinear.Forward(k_proj, x).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, KV, T, d)
        var v = HalfLinear.Forward(v_proj, x).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, KV, T, d)
        q = RotaryEmbedding.Apply(q, ctx.Cos, ctx.Sin);
        k = RotaryEmbedding.Apply(k, ctx.Cos, ctx.Sin);
        var y = ctx.Cache is { } cache
            ? cache.Attend(layerIndex, ctx.StartPos, q, k, v, ctx.Mask)              // (B, H, T, d)
            : DenseAttention.Compute(q, k, v, ctx.Mask);
        y = y.transpose(1, 2).reshape(b, t, heads * headDim);                     // (B, T, H*d)
        return HalfLinear.Forward(o_proj, y).MoveToOuterDisposeScope();
    }
}
