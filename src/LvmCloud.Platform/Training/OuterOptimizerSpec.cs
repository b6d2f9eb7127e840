using System.Text.Json.Serialization;

namespace LvmCloud.Platform.Training;

/// <summary>
/// DiLoCo's outer optimizer: SGD with (Nesterov) momentum on the outer gradient, the base weights minus the average
/// of the shards' weights. The paper's defaults (learning rate 0.7, momentum 0.9, Nesterov) are these; learning rate 1
/// without momentum simply takes the average.
/// </summary>
/// <param name="Compression">
/// How each shard's outer gradient travels to the merge: <c>none</c> (the default: the merge reads the shards' float32
/// weights, lossless), <c>int8</c> or <c>int4</c> (the shard uploads δ = θ_base − θ_k quantized per block of 256 with a
/// float32 scale each, about a quarter or an eighth of the weights' bytes, and the merge reads that).
/// </param>
public sealed record OuterOptimizerSpec(double LearningRate = 0.7, double Momentum = 0.9, bool Nesterov = true, string? Compression = null)
{
    public const string NoCompression = "none";

    /// <summary>The values <see cref="Compression"/> may take.</summary>
    public static readonly IReadOnlyList<string> CompressionValues = [NoCompression, "int8", "int4"];

    /// <summary>The compression in force: the given one, else <c>none</c>.</summary>
    [JsonIgnore]
    public string CompressionOrDefault => Compression ?? NoCompression;

    /// <summary>Whether the shards upload a compressed outer gradient instead of leaving the merge their weights.</summary>
    [JsonIgnore]
    public bool Compressed => CompressionOrDefault != NoCompression;

    public IEnumerable<string> Validate()
    {
        if (!(LearningRate > 0 && LearningRate <= 10))
            yield return $"outer.learningRate must be in (0, 10], got {LearningRate}";
        if (!(Momentum >= 0 && Momentum < 1))
            yield return $"outer.momentum must be in [0, 1), got {Momentum}";
        if (Compression is { } compression && !CompressionValues.Contains(compression, StringComparer.Ordinal))
            yield return $"outer.compression must be one of {string.Join(", ", CompressionValues.Select(v => $"\"{v}\""))}, got \"{compression}\"";
    }
}
