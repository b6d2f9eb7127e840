using LvmCloud.Vision.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// HF <c>LlamaForCausalLM</c>: the decoder stack and the vocabulary head. Parameter names match HF
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>, ...), so HF checkpoints load by name.
/// Knows nothing of sampling: see <c>GenerationEngine</c>.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly LlamaModel model;
    private readonly Linear? lm_head; // absent when the head is tied to the embeddings

    public LlamaForCausalLM(LlamaConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaForCausalLM))
    {
        Config = config.Validate();
        model = new LlamaModel(config, device, dtype);
        if (!config.TieWordEmbeddings)
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, false, device, dtype);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    /// <summary>
    /// A model from a Hugging Face folder: config.json plus model.safetensors (single or sharded) or pytorch_model.bin,
    /// in eval mode. Weights are converted to <paramref name="dtype"/> (default float32). The modules are built on the
    /// meta device (no memory, no random initialisation) and each weight is read from its file straight into its
    /// parameter (<see cref="CheckpointLoader.Materialize(nn.Module, string, Device, CheckpointLoadOptions?)"/>):
    /// the load costs the file reads, its memory the model plus one staging chunk. <see cref="LoadStatistics"/> says what it cost.
    /// </summary>
    public static LlamaForCausalLM FromPretrained(string directory, Device? device = null, ScalarType? dtype = null) =>
        FromPretrained(directory, device, dtype, CheckpointLoadOptions.Default);

    /// <inheritdoc cref="FromPretrained(string, Device?, ScalarType?)"/>
    public static LlamaForCausalLM FromPretrained(string directory, Device? device, ScalarType? dtype, CheckpointLoadOptions options)
    {
        var config = LlamaConfig.Load(directory);
        var files = CheckpointFiles.Find(directory);
        var model = new LlamaForCausalLM(config, META, dtype);
        try
        {
            model.LoadStatistics = CheckpointLoader.Materialize(model, files, device ?? CPU, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>What loading the weights cost, for a model made by <see cref="FromPretrained(string, Device?, ScalarType?)"/>; null otherwise.</summary>
    public LoadStatistics? LoadStatistics { get; private set; }

    /// <summary>Writes config.json and model.safetensors (float32) into <paramref name="directory"/>.</summary>
    public void SavePretrained(string directory)
    {
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, "config.json"));
        CheckpointWriter.Save(this, directory);
    }

    /// <summary>Device of the weights.</summary>
    public Device Device => model.EmbeddingWeight.device;

    /// <summary>dtype of the weights.</summary>
    public ScalarType DType => model.EmbeddingWeight.dtype;

    /// <summary>Full forward: float32 logits (B, T, V) of <paramref name="inputIds"/> (B, T) at positions 0..T-1.</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>
    /// float32 logits (B, T, V). With a <paramref name="cache"/>, the T tokens go to cache slots [startPos, startPos+T)
    /// and attend to everything cached before them. <paramref name="positionIds"/> (B, T) default to the slots (set them
    /// for left-padded rows); <paramref name="attentionMask"/> (B, startPos+T) marks real keys 1 and padding 0.
    /// <paramref name="inputsChecked"/>: ids inside the vocabulary and positions inside the context were checked by the
    /// caller, so the forward needs no host synchronisation to check them.
    /// </summary>
    public Tensor Forward(Tensor inputIds, IAttentionCache? cache = null, int startPos = 0, Tensor? positionIds = null, Tensor? attentionMask = null, bool inputsChecked = false)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, cache, startPos, positionIds, attentionMask, null, inputsChecked);
        return Logits(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Final normed hidden states (B, T, D), without the head; see <see cref="Forward"/> for the arguments.</summary>
    public Tensor HiddenStates(Tensor inputIds, IAttentionCache? cache = null, int startPos = 0, Tensor? positionIds = null, Tensor? attentionMask = null, bool inputsChecked = false) =>
        model.Forward(inputIds, cache, startPos, positionIds, attentionMask, null, inputsChecked);

    /// <summary>Applies the vocabulary head to hidden states (..., D) and returns float32 logits (..., V).</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = lm_head is null
            ? HalfLinear.Forward(model.EmbeddingWeight, hidden)
            : HalfLinear.Forward(lm_head, hidden);
        return logits.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Full forward that also returns HF's <c>output_hidden_states</c> (num_hidden_layers + 1 entries).</summary>
    public LlamaOutput ForwardWithHiddenStates(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var states = new List<Tensor>();
        var hidden = model.Forward(inputIds, null, 0, null, null, states);
        var logits = Logits(hidden);
        var output = new LlamaOutput(logits.MoveToOuterDisposeScope(), states.Select(s => s.MoveToOuterDisposeScope()).ToList());
        return output;
    }

    /// <summary>A KV cache for <paramref name="batch"/> rows of up to <paramref name="maxLength"/> positions, on the model's device and dtype.</summary>
    public KvCache CreateCache(int batch, int maxLength) => KvCache.For(Config, batch, maxLength, DType, Device);
}
