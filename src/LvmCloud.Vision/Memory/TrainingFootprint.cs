using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Memory;

/// <summary>
/// What training a LLaMA transformer costs in memory, from its config alone. Training keeps everything in float32
/// (4 bytes an element; <c>lvm train</c> builds the model in float32 and a base checkpoint loads into float32).
/// <para>
/// Held for the whole run, 16 bytes per parameter: the weights, their gradients (kept between the micro-batches of
/// gradient accumulation) and AdamW's two moments (<see cref="Training.TransformerOptimizer"/>: no amsgrad, so no
/// third buffer).
/// </para>
/// <para>
/// Per training sequence of L tokens (the activations autograd keeps for backward, counted conservatively): every
/// layer keeps <see cref="HiddenTensorsPerLayer"/> tensors of L x hidden (the layer input, the RMSNorm output, q, k, v,
/// the attention output and its (B, T, H*d) copy, the residual sum, the second RMSNorm output, a spare for the
/// float32 norm and rotary products; k and v are counted full width even with grouped-query attention), the MLP's
/// gate, SiLU, up and gated products (4 x L x intermediate), and the fused attention's log-sum-exp (H x L). The
/// attention runs through the fused kernel with its own causal mask (<see cref="DenseAttention"/>), which
/// keeps no L x L scores for backward; one layer's H x L x L float32 scores are still reserved, as in
/// <see cref="TransformerFootprint"/>, for a kernel that materialises them one layer at a time. Backward holds the
/// gradients of one layer's activations at a time: one more layer's worth. Around the stack: the embedding output and
/// the final norm (2 x L x hidden), and the float32 logits with cross-entropy's log-softmax and the logits' gradient
/// (<see cref="LogitTensors"/> x L x vocabulary), plus the token ids and targets (int64).
/// </para>
/// </summary>
/// <param name="Config">The transformer's config.</param>
public sealed record TrainingFootprint(LlamaConfig Config)
{
    /// <summary>Bytes of one training element: float32.</summary>
    public const int ElementBytes = 4;

    /// <summary>L x hidden tensors each layer keeps for backward (see the class summary).</summary>
    public const int HiddenTensorsPerLayer = 10;

    /// <summary>L x intermediate tensors each layer's MLP keeps: gate, SiLU(gate), up and their product.</summary>
    public const int MlpTensorsPerLayer = 4;

    /// <summary>L x vocabulary float32 tensors of the loss: logits, log-softmax, the logits' gradient.</summary>
    public const int LogitTensors = 3;

    public long ParameterCount => Config.ParameterCount;

    /// <summary>The float32 weights.</summary>
    public long WeightBytes => ParameterCount * ElementBytes;

    /// <summary>The float32 gradients, one per weight.</summary>
    public long GradientBytes => ParameterCount * ElementBytes;

    /// <summary>AdamW's first and second moments, float32.</summary>
    public long OptimizerBytes => 2 * ParameterCount * ElementBytes;

    /// <summary>Weights, gradients and AdamW's moments: 16 bytes a parameter, whatever the batch.</summary>
    public long StateBytes => WeightBytes + GradientBytes + OptimizerBytes;

    /// <summary>What one layer keeps for backward for one sequence of <paramref name="sequenceLength"/> tokens.</summary>
    public long LayerActivationBytes(int sequenceLength)
    {
        long l = sequenceLength;
        long hidden = HiddenTensorsPerLayer * l * Config.HiddenSize;
        long mlp = MlpTensorsPerLayer * l * Config.IntermediateSize;
        long logSumExp = (long)Config.NumAttentionHeads * l;
        return (hidden + mlp + logSumExp) * ElementBytes;
    }

    /// <summary>One layer's attention scores, H x L x L float32 (the reserve described in the class summary).</summary>
    public long AttentionScoreBytes(int sequenceLength) => (long)Config.NumAttentionHeads * sequenceLength * sequenceLength * ElementBytes;

    /// <summary>The embedding output, the final norm, the logits and the loss's tensors, the token ids: outside the layers.</summary>
    public long OuterActivationBytes(int sequenceLength)
    {
        long l = sequenceLength;
        long hidden = 2 * l * Config.HiddenSize * ElementBytes;
        long logits = LogitTensors * l * Config.VocabSize * ElementBytes;
        long ids = 2 * l * sizeof(long);
        return hidden + logits + ids;
    }

    /// <summary>
    /// All activations of one sequence of <paramref name="sequenceLength"/> tokens at their peak (the start of
    /// backward): every layer's, one layer's gradients, one layer's scores reserve, and those outside the layers.
    /// </summary>
    public long ActivationBytesPerSequence(int sequenceLength) =>
        CountedActivationBytesPerSequence(sequenceLength) * AllocatorSlackPercent / 100;

    /// <summary>The tensors counted above, before <see cref="AllocatorSlackPercent"/>.</summary>
    public long CountedActivationBytesPerSequence(int sequenceLength) =>
        (Config.NumHiddenLayers + 1L) * LayerActivationBytes(sequenceLength) + AttentionScoreBytes(sequenceLength) + OuterActivationBytes(sequenceLength);

    /// <summary>
    /// One sequence's activations in an eval pass (no autograd, so no layer keeps anything for backward): two layers'
    /// worth (the layer's input beside its own temporaries), one layer's scores reserve and the tensors outside the
    /// layers (the logits and the loss's), with the same <see cref="AllocatorSlackPercent"/>.
    /// </summary>
    public long EvalActivationBytesPerSequence(int sequenceLength) =>
        (2 * LayerActivationBytes(sequenceLength) + AttentionScoreBytes(sequenceLength) + OuterActivationBytes(sequenceLength)) * AllocatorSlackPercent / 100;

    /// <summary>
    /// What a step really holds per sequence over the tensors counted: freed blocks the allocator keeps, gradients that
    /// exist briefly beside their activations during backward, the logits alive to the end of the step. Measured with
    /// <c>lvm train</c> on bench_20m at 512 tokens (peak RSS at batch 1, 2, 4): each extra sequence cost 0.29-0.32 GB
    /// against 0.205 GB counted, so 150 %.
    /// </summary>
    public const int AllocatorSlackPercent = 150;
}
