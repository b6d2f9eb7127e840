using System.Text.Json;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// How Hugging Face <c>save_pretrained(max_shard_size=...)</c> splits a state dict into safetensors files: tensors in
/// state-dict order, a new shard when the next tensor would take the current one past the limit (a tensor larger than
/// the limit gets a shard of its own), files named <c>model-0000i-of-0000n.safetensors</c>, and an index
/// <c>{"metadata": {"total_size": N}, "weight_map": {name: file}}</c> with sorted keys. One shard is written as
/// <c>model.safetensors</c> with no index.
/// </summary>
public static class HfShardPlan
{
    /// <summary><c>max_shard_size="5GB"</c>: transformers counts a GB as 10⁹ bytes.</summary>
    public const long FiveGigabytes = 5_000_000_000;

    /// <summary>The shards of <paramref name="tensors"/> (in the given order), each a list of tensors in that order.</summary>
    public static IReadOnlyList<IReadOnlyList<SafetensorsWriteEntry>> Split(IEnumerable<SafetensorsWriteEntry> tensors, long maxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        var shards = new List<List<SafetensorsWriteEntry>> { new() };
        long current = 0;
        foreach (var tensor in tensors)
        {
            if (shards[^1].Count > 0 && current + tensor.Bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(tensor);
            current += tensor.Bytes;
        }
        return shards;
    }

    /// <summary>The file name of shard <paramref name="index"/> (0-based) of <paramref name="count"/>: <c>model.safetensors</c> when there is one.</summary>
    public static string FileName(int index, int count) =>
        count == 1 ? CheckpointFiles.Safetensors : $"model-{index + 1:D5}-of-{count:D5}.safetensors";

    /// <summary>The text of <c>model.safetensors.index.json</c> for <paramref name="shards"/>, as transformers writes it (indent 2, sorted keys).</summary>
    public static string IndexJson(IReadOnlyList<IReadOnlyList<SafetensorsWriteEntry>> shards)
    {
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < shards.Count; i++)
            foreach (var tensor in shards[i])
            {
                weightMap[tensor.Name] = FileName(i, shards.Count);
                total += tensor.Bytes;
            }
        var index = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["metadata"] = new SortedDictionary<string, long> { ["total_size"] = total },
            ["weight_map"] = weightMap,
        };
        return JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }
}
