using System.Text.Json;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>The weight files of a Hugging Face style model folder, in the order they are read.</summary>
public sealed record CheckpointFiles(CheckpointFormat Format, IReadOnlyList<string> Paths)
{
    public const string Safetensors = "model.safetensors";
    public const string SafetensorsIndex = "model.safetensors.index.json";
    public const string PyTorchBin = "pytorch_model.bin";
    public const string PyTorchBinIndex = "pytorch_model.bin.index.json";

    /// <summary>Largest index file read (a weight map of names; real ones are tens of kilobytes).</summary>
    public const long MaxIndexBytes = 16L * 1024 * 1024;

    /// <summary>Finds the weights in <paramref name="directory"/>: safetensors (single or sharded) first, then PyTorch .bin.</summary>
    public static CheckpointFiles Find(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        if (File.Exists(Path.Combine(directory, SafetensorsIndex)))
            return new(CheckpointFormat.Safetensors, ShardsOf(directory, SafetensorsIndex));
        if (File.Exists(Path.Combine(directory, Safetensors)))
            return new(CheckpointFormat.Safetensors, [Path.Combine(directory, Safetensors)]);
        if (File.Exists(Path.Combine(directory, PyTorchBinIndex)))
            return new(CheckpointFormat.PyTorchBin, ShardsOf(directory, PyTorchBinIndex));
        if (File.Exists(Path.Combine(directory, PyTorchBin)))
            return new(CheckpointFormat.PyTorchBin, [Path.Combine(directory, PyTorchBin)]);
        throw new FileNotFoundException(
            $"No weights in '{directory}': expected {Safetensors}, {SafetensorsIndex} (+ shards), {PyTorchBinIndex} (+ shards) or {PyTorchBin}.");
    }

    /// <summary>Reads a sharded checkpoint's index (<c>{"weight_map": {name: file}}</c>) and returns its shard files in order.</summary>
    public static IReadOnlyList<string> ShardsOf(string directory, string indexFileName)
    {
        string indexPath = Path.Combine(directory, indexFileName);
        if (new FileInfo(indexPath).Length > MaxIndexBytes)
            throw new InvalidDataException($"'{indexPath}' is {new FileInfo(indexPath).Length} bytes, more than the {MaxIndexBytes} an index may have.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(indexPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{indexPath}' is not valid JSON: {e.Message}", e);
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{indexPath}' has no \"weight_map\" object.");
        var shards = new List<string>();
        foreach (var entry in map.EnumerateObject())
        {
            string file = entry.Value.ValueKind == JsonValueKind.String
                ? entry.Value.GetString()!
                : throw new InvalidDataException($"'{indexPath}': tensor '{entry.Name}' maps to {entry.Value.ValueKind}, not a shard file name.");
            if (file.Length == 0 || file.Contains('/') || file.Contains('\\') || file.Contains(':') || file.Contains('\0') || file is "." or ".." || Path.IsPathRooted(file))
                throw new InvalidDataException($"'{indexPath}': shard name '{file}' for tensor '{entry.Name}' is outside the model folder; it must be a plain file name in it.");
            string path = Path.Combine(directory, file);
            if (!shards.Contains(path)) shards.Add(path);
        }
        foreach (var shard in shards)
            if (!File.Exists(shard)) throw new FileNotFoundException($"Shard '{shard}' named in '{indexPath}' is missing.");
        return shards;
    }
}

public enum CheckpointFormat { Safetensors, PyTorchBin }
