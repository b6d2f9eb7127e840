using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>The decoder stack (HF <c>LlamaModel</c>): embeddings, layers, final norm. Returns normed hidden states.</summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly LlamaRmsNorm norm;
    private readonly LlamaConfig config;
    private readonly RotaryTable rotary;

    public LlamaModel(LlamaConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaModel))
    {
        this.config = config;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        layers = new ModuleList<LlamaDecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer(config, i, device, dtype)).ToArray());
        norm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
        rotary = new RotaryTable(config.MaxPositionEmbeddings, config.HeadDim, config.RopeTheta); // not a parameter or buffer: no checkpoint name
    }

    /// <summary>The token embedding matrix (V, D), used by a tied head.</summary>
    public Tensor EmbeddingWeight => embed_tokens.weight!;

    public override Tensor forward(Tensor inputIds) => Forward(inputIds, null, 0, null, null, null);

    /// <summary>
    /// Final normed hidden states (B, T, D) of <paramref name="inputIds"/> (B, T) placed at cache slots
    /// [startPos, startPos+T). <paramref name="positionIds"/> (B, T) default to the slots; <paramref name="attentionMask"/>
    /// (B, startPos+T) marks real keys 1 and padding 0. When <paramref name="hiddenStates"/> is given it receives
    /// HF's <c>output_hidden_states</c>: the embeddings, the input of every later layer, and the normed output.
    /// <paramref name="inputsChecked"/> is for callers that checked their inputs already (the generation engine: prompts
    /// checked once, decode inputs from the restricted sampler, positions inside the context): it skips the vocabulary
    /// range check of the ids, a host synchronisation per forward.
    /// </summary>
    public Tensor Forward(Tensor inputIds, IAttentionCache? cache, int startPos, Tensor? positionIds, Tensor? attentionMask, IList<Tensor>? hiddenStates, bool inputsChecked = false)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"inputIds must be (batch, length), got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        long b = inputIds.shape[0], t = inputIds.shape[1];
        if (t == 0) throw new ArgumentException("inputIds holds no tokens.", nameof(inputIds));
        if (startPos < 0) throw new ArgumentOutOfRangeException(nameof(startPos), startPos, "startPos must not be negative.");
        if (cache is null && startPos != 0)
            throw new ArgumentException("A non-zero startPos needs a KV cache holding the earlier positions.", nameof(startPos));
        if (cache is not null && cache.Batch != b)
            throw new ArgumentException($"The KV cache has {cache.Batch} rows but inputIds has {b}.", nameof(cache));

        using var scope = NewDisposeScope();
        var device = embed_tokens.weight!.device;
        var ids = inputIds.to(ScalarType.Int64, device);
        if (!inputsChecked) CheckIds(ids);
        var positions = positionIds is null
            ? arange(startPos, startPos + t, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(b, t) // (B, T)
            : positionIds.to(ScalarType.Int64, device);
        if (positions.shape[0] != b || positions.shape[1] != t)
            throw new ArgumentException($"positionIds must be ({b}, {t}), got [{string.Join(", ", positions.shape)}].", nameof(positionIds));

        var x = embed_tokens.forward(ids);                                                                   // (B, T, D)
        // The table covers positions [0, context); positions given by a caller that checked its inputs lie there too.
        bool inTable = positionIds is null ? startPos + t <= config.MaxPositionEmbeddings : inputsChecked;
        var (cos, sin) = inTable
            ? rotary.Lookup(positions, x.dtype)
            : RotaryEmbedding.Tables(positions, config.HeadDim, config.RopeTheta, x.dtype);
        var mask = LlamaMasks.For(b, t, startPos, attentionMask, x.dtype, device);
        var ctx = new LlamaAttentionContext(cos, sin, mask, cache, startPos);
        foreach (var layer in layers)
        {
            if (hiddenStates is not null) hiddenStates.Add(x.detach().MoveToOuterDisposeScope());
            x = layer.forward(x, ctx);
        }
        var output = norm.forward(x);
        if (hiddenStates is not null) hiddenStates.Add(output.detach().MoveToOuterDisposeScope());
        return output.MoveToOuterDisposeScope();
    }

    private void CheckIds(Tensor ids)
    {
        long min = ids.min().item<long>(), max = ids.max().item<long>();
        if (min < 0 || max >= config.VocabSize)
            throw new ArgumentOutOfRangeException(nameof(ids), $"Token ids must lie in [0, {config.VocabSize}); got ids from {min} to {max}.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) rotary.Dispose();
        base.Dispose(disposing);
    }
}
