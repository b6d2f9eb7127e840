using LvmCloud.Vision.Checkpoints;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// The tensors of a Hugging Face <c>LlamaForCausalLM</c> checkpoint for a config, in state-dict order (the order
/// <c>save_pretrained</c> shards them in), with their shapes: the embedding, then per layer the q/k/v/o projections,
/// the gate/up/down projections and the two norms, then the final norm and the untied head. From the config alone.
/// </summary>
public static class HfLlamaTensors
{
    /// <summary>Every tensor, stored as <paramref name="dtype"/> (a safetensors dtype: <c>F16</c>, <c>BF16</c>, <c>F32</c>).</summary>
    public static IReadOnlyList<SafetensorsWriteEntry> StateDictOrder(LlamaConfig config, string dtype = "F16")
    {
        long d = config.HiddenSize, inter = config.IntermediateSize, vocab = config.VocabSize;
        long q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        var tensors = new List<SafetensorsWriteEntry> { new("model.embed_tokens.weight", dtype, [vocab, d]) };
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string layer = $"model.layers.{i}.";
            tensors.Add(new(layer + "self_attn.q_proj.weight", dtype, [q, d]));
            if (config.AttentionBias) tensors.Add(new(layer + "self_attn.q_proj.bias", dtype, [q]));
            tensors.Add(new(layer + "self_attn.k_proj.weight", dtype, [kv, d]));
            if (config.AttentionBias) tensors.Add(new(layer + "self_attn.k_proj.bias", dtype, [kv]));
            tensors.Add(new(layer + "self_attn.v_proj.weight", dtype, [kv, d]));
            if (config.AttentionBias) tensors.Add(new(layer + "self_attn.v_proj.bias", dtype, [kv]));
            tensors.Add(new(layer + "self_attn.o_proj.weight", dtype, [d, q]));
            if (config.AttentionBias) tensors.Add(new(layer + "self_attn.o_proj.bias", dtype, [d]));
            tensors.Add(new(layer + "mlp.gate_proj.weight", dtype, [inter, d]));
            tensors.Add(new(layer + "mlp.up_proj.weight", dtype, [inter, d]));
            tensors.Add(new(layer + "mlp.down_proj.weight", dtype, [d, inter]));
            tensors.Add(new(layer + "input_layernorm.weight", dtype, [d]));
            tensors.Add(new(layer + "post_attention_layernorm.weight", dtype, [d]));
        }
        tensors.Add(new("model.norm.weight", dtype, [d]));
        if (!config.TieWordEmbeddings) tensors.Add(new("lm_head.weight", dtype, [vocab, d]));
        return tensors;
    }
}
