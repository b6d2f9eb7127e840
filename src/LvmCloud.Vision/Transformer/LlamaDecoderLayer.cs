using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>Pre-norm block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, LlamaAttentionContext, Tensor>
{
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly LlamaRmsNorm input_layernorm;
    private readonly LlamaRmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(LlamaConfig config, int layerIndex, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(config, layerIndex, device, dtype);
        mlp = new LlamaMlp(config, device, dtype);
        input_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        post_attention_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, LlamaAttentionContext ctx)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.forward(input_layernorm.forward(x), ctx);
        var y = h + mlp.forward(post_attention_layernorm.forward(h));
        return y.MoveToOuterDisposeScope();
    }
}
