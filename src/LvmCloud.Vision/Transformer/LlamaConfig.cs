using System.Text.Json;
using System.Text.Json.Nodes;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// Shape and numerics of a LLaMA decoder, with the field names of Hugging Face's <c>LlamaConfig</c> JSON.
/// </summary>
/// <param name="VocabSize">Token ids the embedding and the head cover. LVM: 8192 VQ codes + 100 specials = 8292.</param>
/// <param name="HiddenSize">Model width D.</param>
/// <param name="IntermediateSize">Width of the SiLU-gated MLP.</param>
/// <param name="NumHiddenLayers">Decoder layers.</param>
/// <param name="NumAttentionHeads">Query heads H; head_dim = D / H.</param>
/// <param name="NumKeyValueHeads">Key/value heads (grouped-query attention); equal to H for plain multi-head attention.</param>
/// <param name="RmsNormEps">Added to mean(x²) inside every RMSNorm.</param>
/// <param name="RopeTheta">Rotary base: inv_freq[j] = 1 / theta^(2j/d).</param>
/// <param name="MaxPositionEmbeddings">Longest sequence (prompt + new tokens) the model accepts. LVM: 4096 = 16 images.</param>
/// <param name="TieWordEmbeddings">The head reuses the embedding matrix (no <c>lm_head.weight</c>).</param>
/// <param name="AttentionBias">q/k/v/o projections carry biases (later transformers versions; LVM has none).</param>
/// <param name="HiddenAct">MLP activation; only "silu" exists in LLaMA.</param>
/// <param name="BosTokenId">Recorded for compatibility; in LVM ids 1 and 2 are ordinary image codes.</param>
/// <param name="EosTokenId">Recorded for compatibility; generation never stops on it.</param>
/// <param name="TorchDtype">dtype the weights were saved in ("float32", "float16", "bfloat16").</param>
public sealed record LlamaConfig(
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    double RmsNormEps = 1e-6,
    double RopeTheta = 10000.0,
    int MaxPositionEmbeddings = 4096,
    bool TieWordEmbeddings = false,
    bool AttentionBias = false,
    string HiddenAct = "silu",
    long BosTokenId = 1,
    long EosTokenId = 2,
    string TorchDtype = "float32")
{
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Query heads that share one key/value head.</summary>
    public int KvGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Parameter count from the shapes alone (no model is allocated).</summary>
    public long ParameterCount
    {
        get
        {
            long d = HiddenSize, hd = HeadDim, h = NumAttentionHeads, kv = NumKeyValueHeads;
            long attention = d * h * hd + 2 * d * kv * hd + h * hd * d;
            if (AttentionBias) attention += h * hd + 2 * kv * hd + d;
            long mlp = 3 * d * IntermediateSize;
            long norms = 2 * d;
            long embeddings = (long)VocabSize * d;
            long head = TieWordEmbeddings ? 0 : (long)VocabSize * d;
            return embeddings + NumHiddenLayers * (attention + mlp + norms) + d + head;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public LlamaConfig Validate()
    {
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}.");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ArgumentException($"num_attention_heads {NumAttentionHeads} is not divisible by num_key_value_heads {NumKeyValueHeads}.");
        if (HeadDim % 2 != 0)
            throw new ArgumentException($"head_dim {HeadDim} (hidden_size / num_attention_heads) must be even for rotary embeddings.");
        if (!(RmsNormEps > 0) || double.IsInfinity(RmsNormEps))
            throw new ArgumentException($"rms_norm_eps must be a positive number, got {RmsNormEps}.");
        if (!(RopeTheta > 0) || double.IsInfinity(RopeTheta))
            throw new ArgumentException($"rope_theta must be a positive number, got {RopeTheta}.");
        if (HiddenAct != "silu")
            throw new NotSupportedException($"hidden_act '{HiddenAct}' is not supported; LLaMA uses 'silu'.");
        return this;
    }

    /// <summary>Reads a Hugging Face config.json (a file, or a directory holding one). Unknown keys are ignored.</summary>
    public static LlamaConfig Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        if (!File.Exists(file))
            throw new FileNotFoundException($"LLaMA config not found: {file}", file);
        try
        {
            return FromJson(File.ReadAllText(file));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"LLaMA config {file} is not valid: {e.Message}", e);
        }
    }

    public static LlamaConfig FromJson(string json)
    {
        var root = JsonNode.Parse(json) as JsonObject
            ?? throw new InvalidDataException("LLaMA config must be a JSON object.");
        int heads = RequiredInt(root, "num_attention_heads");
        var config = new LlamaConfig(
            VocabSize: RequiredInt(root, "vocab_size"),
            HiddenSize: RequiredInt(root, "hidden_size"),
            IntermediateSize: RequiredInt(root, "intermediate_size"),
            NumHiddenLayers: RequiredInt(root, "num_hidden_layers"),
            NumAttentionHeads: heads,
            NumKeyValueHeads: OptionalInt(root, "num_key_value_heads") ?? heads,
            RmsNormEps: OptionalDouble(root, "rms_norm_eps") ?? 1e-6,
            RopeTheta: OptionalDouble(root, "rope_theta") ?? 10000.0,
            MaxPositionEmbeddings: OptionalInt(root, "max_position_embeddings") ?? 4096,
            TieWordEmbeddings: OptionalBool(root, "tie_word_embeddings") ?? false,
            AttentionBias: OptionalBool(root, "attention_bias") ?? false,
            HiddenAct: OptionalString(root, "hidden_act") ?? "silu",
            BosTokenId: OptionalTokenId(root, "bos_token_id") ?? 1,
            EosTokenId: OptionalTokenId(root, "eos_token_id") ?? 2,
            TorchDtype: OptionalString(root, "torch_dtype") ?? "float32");
        if (root["rope_scaling"] is JsonNode scaling && scaling.GetValueKind() != JsonValueKind.Null)
            throw new NotSupportedException("rope_scaling is not supported; LVM checkpoints use plain rotary embeddings.");
        return config.Validate();
    }

    /// <summary>Writes config.json (into <paramref name="path"/> when it is a directory) the way transformers would.</summary>
    public void Save(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        var dir = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(file, ToJson());
    }

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["attention_bias"] = AttentionBias,
            ["hidden_act"] = HiddenAct,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenId,
            ["torch_dtype"] = TorchDtype,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be positive, got {value}.");
    }

    private static int RequiredInt(JsonObject root, string key) =>
        OptionalInt(root, key) ?? throw new InvalidDataException($"LLaMA config is missing '{key}'.");

    private static int? OptionalInt(JsonObject root, string key) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        var other => throw new InvalidDataException($"LLaMA config '{key}' must be an integer, got {other.ToJsonString()}."),
    };

    private static double? OptionalDouble(JsonObject root, string key) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        var other => throw new InvalidDataException($"LLaMA config '{key}' must be a number, got {other.ToJsonString()}."),
    };

    private static bool? OptionalBool(JsonObject root, string key) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        var other => throw new InvalidDataException($"LLaMA config '{key}' must be true or false, got {other.ToJsonString()}."),
    };

    private static string? OptionalString(JsonObject root, string key) => root[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new InvalidDataException($"LLaMA config '{key}' must be a string, got {other.ToJsonString()}."),
    };

    /// <summary>A token id, or (newer configs) a list of them, of which the first is kept.</summary>
    private static long? OptionalTokenId(JsonObject root, string key) => root[key] switch
    {
        JsonArray { Count: > 0 } list when list[0] is JsonValue first && first.TryGetValue<long>(out var id) => id,
        JsonArray => null,
        _ => OptionalInt(root, key),
    };
}
