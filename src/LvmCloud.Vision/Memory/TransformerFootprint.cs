using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What a LLaMA transformer costs in memory, from its config and the dtype its files store (headers only, no weight
/// read). Weights: parameters x dtype bytes. Per row of a generation batch at sequence length L (element size e of
/// the loaded dtype): the KV cache, 2 x layers x kv_heads x head_dim x L x e; plus the prefill's activations of one
/// layer at a time, counted conservatively as if the attention ran unfused: the residual stream and its float32
/// RMSNorm (3 x L x D x 4), q/k/v/attention output/o-projection (5 x L x D x e), the float32 rotary tables and their
/// products (2 x L x D x 4), the MLP's gate, up, activation and product (4 x L x I x e), one layer's attention scores
/// (H x L x L x 4; the fused kernel needs far less), and float32 logits with the sampler's sorted copies and indices
/// (4 x V x 8). Decode steps need a small fraction of that.
/// </summary>
/// <param name="Config">The transformer's config.json.</param>
/// <param name="StoredDType">The dtype most of its weights are stored in (<see cref="Checkpoints.StoredDType"/>).</param>
public sealed record TransformerFootprint(LlamaConfig Config, ScalarType StoredDType)
{
    public long ParameterCount => Config.ParameterCount;

    /// <summary>The transformer of a Hugging Face LLaMA folder: its config and its weights' stored dtype, from headers alone.</summary>
    /// <exception cref="CheckpointException">A weight file whose header fails its check.</exception>
    public static TransformerFootprint Read(string transformerDirectory) =>
        new(LlamaConfig.Load(transformerDirectory), Checkpoints.StoredDType.Of(transformerDirectory));

    /// <summary>The weights' bytes when loaded in <paramref name="dtype"/>.</summary>
    public long WeightBytes(ScalarType dtype) => ParameterCount * ByteSize.Of(dtype);

    /// <summary>The KV cache of one row of <paramref name="sequenceLength"/> tokens, in <paramref name="dtype"/>.</summary>
    public long KvBytesPerRow(int sequenceLength, ScalarType dtype) =>
        2L * Config.NumHiddenLayers * Config.NumKeyValueHeads * Config.HeadDim * sequenceLength * ByteSize.Of(dtype);

    /// <summary>The activations of one row of <paramref name="sequenceLength"/> tokens at their peak (the prefill; see the class summary).</summary>
    public long ActivationBytesPerRow(int sequenceLength, ScalarType dtype)
    {
        long l = sequenceLength, d = Config.HiddenSize, e = ByteSize.Of(dtype);
        long residual = 3 * l * d * 4;
        long projections = 5 * l * d * e;
        long rotary = 2 * l * d * 4;
        long mlp = 4 * l * Config.IntermediateSize * e;
        long scores = Config.NumAttentionHeads * l * l * 4;
        long logits = 4L * Config.VocabSize * 8;
        return residual + projections + rotary + mlp + scores + logits;
    }

    /// <summary>One row's working set: its KV cache and its activations.</summary>
    public long BytesPerRow(int sequenceLength, ScalarType dtype) =>
        KvBytesPerRow(sequenceLength, dtype) + ActivationBytesPerRow(sequenceLength, dtype);
}
