using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// The open-muse <c>VQGANModel</c> configuration, with the field names of its <c>config.json</c>.
/// Keys that start with <c>_</c> (<c>_class_name</c>, <c>_version</c>) and unknown keys are ignored;
/// keys that are missing take open-muse's <c>__init__</c> defaults (<see cref="OpenMuseDefaults"/>).
/// </summary>
public sealed record VqganConfig(
    [property: JsonPropertyName("resolution")] int Resolution,
    [property: JsonPropertyName("num_channels")] int NumChannels,
    [property: JsonPropertyName("hidden_channels")] int HiddenChannels,
    [property: JsonPropertyName("channel_mult")] IReadOnlyList<int> ChannelMult,
    [property: JsonPropertyName("num_res_blocks")] int NumResBlocks,
    [property: JsonPropertyName("attn_resolutions")] IReadOnlyList<int> AttnResolutions,
    [property: JsonPropertyName("no_attn_mid_block")] bool NoAttnMidBlock,
    [property: JsonPropertyName("z_channels")] int ZChannels,
    [property: JsonPropertyName("num_embeddings")] int NumEmbeddings,
    [property: JsonPropertyName("quantized_embed_dim")] int QuantizedEmbedDim,
    [property: JsonPropertyName("dropout")] double Dropout,
    [property: JsonPropertyName("resample_with_conv")] bool ResampleWithConv,
    [property: JsonPropertyName("commitment_cost")] double CommitmentCost)
{
    /// <summary>GroupNorm in every block always uses this many groups, so every width must divide by it.</summary>
    public const int GroupNormGroups = 32;

    /// <summary>open-muse's <c>VQGANModel.__init__</c> defaults, used for keys a config.json leaves out.</summary>
    public static VqganConfig OpenMuseDefaults { get; } =
        new(256, 3, 128, [1, 1, 2, 2, 4], 2, [16], false, 256, 1024, 256, 0.0, true, 0.25);

    /// <summary>Spatial reduction factor f = 2^(len(channel_mult)-1).</summary>
    [JsonIgnore]
    public int Downsampling => 1 << (ChannelMult.Count - 1);

    /// <summary>Number of resolution levels (len(channel_mult)).</summary>
    [JsonIgnore]
    public int NumResolutions => ChannelMult.Count;

    /// <summary>Side of the square latent grid for square images of side <paramref name="resolution"/>.</summary>
    public int LatentSize(int resolution)
    {
        if (resolution <= 0 || resolution % Downsampling != 0)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution,
                $"Image side {resolution} must be a positive multiple of the downsampling factor {Downsampling}.");
        return resolution / Downsampling;
    }

    /// <summary>Tokens per image at the configured <see cref="Resolution"/> (latent side squared).</summary>
    [JsonIgnore]
    public int TokensPerImage => LatentSize(Resolution) * LatentSize(Resolution);

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first field whose value cannot build a model.</summary>
    public VqganConfig Validate()
    {
        static void Require(bool ok, string field, string message)
        {
            if (!ok) throw new InvalidDataException($"VQGAN config field '{field}' {message}");
        }

        Require(ChannelMult is { Count: > 0 }, "channel_mult", "must be a non-empty list of positive integers.");
        Require(ChannelMult!.All(m => m > 0), "channel_mult", $"must hold positive integers, got [{string.Join(", ", ChannelMult!)}].");
        Require(ChannelMult.Count <= 16, "channel_mult", $"has {ChannelMult.Count} levels; at most 16 are supported.");
        Require(AttnResolutions is not null, "attn_resolutions", "must be a list (it may be empty).");
        Require(NumChannels > 0, "num_channels", $"must be positive, got {NumChannels}.");
        Require(HiddenChannels > 0 && HiddenChannels % GroupNormGroups == 0, "hidden_channels",
            $"must be a positive multiple of {GroupNormGroups} (GroupNorm groups), got {HiddenChannels}.");
        Require(NumResBlocks > 0, "num_res_blocks", $"must be at least 1, got {NumResBlocks}.");
        Require(ZChannels > 0, "z_channels", $"must be positive, got {ZChannels}.");
        Require(NumEmbeddings > 0, "num_embeddings", $"must be positive, got {NumEmbeddings}.");
        Require(QuantizedEmbedDim > 0, "quantized_embed_dim", $"must be positive, got {QuantizedEmbedDim}.");
        Require(Dropout >= 0 && Dropout < 1, "dropout", $"must be in [0, 1), got {Dropout}.");
        Require(CommitmentCost >= 0 && double.IsFinite(CommitmentCost), "commitment_cost", $"must be finite and non-negative, got {CommitmentCost}.");
        Require(Resolution > 0 && Resolution % Downsampling == 0, "resolution",
            $"must be a positive multiple of the downsampling factor {Downsampling} (2^(len(channel_mult)-1)), got {Resolution}.");
        return this;
    }

    /// <summary>Reads an open-muse config.json; missing keys take <see cref="OpenMuseDefaults"/>.</summary>
    public static VqganConfig Load(string configJsonPath)
    {
        if (!File.Exists(configJsonPath))
            throw new FileNotFoundException($"VQGAN config file not found: {configJsonPath}", configJsonPath);

        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(configJsonPath)) as JsonObject
                ?? throw new InvalidDataException($"VQGAN config {configJsonPath} must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"VQGAN config {configJsonPath} is not valid JSON: {e.Message}", e);
        }

        var merged = ToJson(OpenMuseDefaults);
        foreach (var (key, value) in json)
        {
            if (!key.StartsWith('_') && merged.ContainsKey(key))
                merged[key] = value?.DeepClone();
        }

        VqganConfig? config;
        try
        {
            config = merged.Deserialize<VqganConfig>();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"VQGAN config {configJsonPath}: bad value at {e.Path}: {e.Message}", e);
        }

        return (config ?? throw new InvalidDataException($"VQGAN config {configJsonPath} is empty.")).Validate();
    }

    /// <summary>Writes config.json the way open-muse's <c>save_pretrained</c> does (sorted keys, <c>_class_name</c>).</summary>
    public void Save(string path)
    {
        var fields = ToJson(this);
        var sorted = new JsonObject
        {
            ["_class_name"] = "VQGANModel",
            ["_version"] = "0.0.1",
        };
        foreach (var (key, value) in fields.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sorted[key] = value?.DeepClone();

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonObject ToJson(VqganConfig config) => (JsonObject)JsonSerializer.SerializeToNode(config)!;

    public bool Equals(VqganConfig? other) =>
        other is not null
        && Resolution == other.Resolution
        && NumChannels == other.NumChannels
        && HiddenChannels == other.HiddenChannels
        && ChannelMult.SequenceEqual(other.ChannelMult)
        && NumResBlocks == other.NumResBlocks
        && AttnResolutions.SequenceEqual(other.AttnResolutions)
        && NoAttnMidBlock == other.NoAttnMidBlock
        && ZChannels == other.ZChannels
        && NumEmbeddings == other.NumEmbeddings
        && QuantizedEmbedDim == other.QuantizedEmbedDim
        && Dropout.Equals(other.Dropout)
        && ResampleWithConv == other.ResampleWithConv
        && CommitmentCost.Equals(other.CommitmentCost);

    public override int GetHashCode() =>
        HashCode.Combine(Resolution, HiddenChannels, ChannelMult.Count, NumResBlocks, ZChannels, NumEmbeddings, QuantizedEmbedDim);

    public override string ToString() =>
        $"VqganConfig(resolution {Resolution}, hidden {HiddenChannels}, channel_mult [{string.Join(",", ChannelMult)}], " +
        $"res_blocks {NumResBlocks}, attn [{string.Join(",", AttnResolutions)}], mid_attn {!NoAttnMidBlock}, z {ZChannels}, " +
        $"codes {NumEmbeddings}x{QuantizedEmbedDim}, f {Downsampling})";
}
