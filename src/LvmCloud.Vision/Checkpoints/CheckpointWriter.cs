using System.Text.Json;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>Writes a module's state_dict as safetensors (Hugging Face layout), sharded with an index when asked.</summary>
public static class CheckpointWriter
{
    /// <summary>
    /// Writes <c>model.safetensors</c>, or, when the weights exceed <paramref name="maxShardBytes"/>,
    /// <c>model-0000i-of-0000n.safetensors</c> shards plus <c>model.safetensors.index.json</c>.
    /// <paramref name="dtype"/> chooses the on-disk type (float32 by default; float16/bfloat16 halve the size).
    /// </summary>
    public static void Save(nn.Module module, string directory, long maxShardBytes = long.MaxValue, ScalarType dtype = ScalarType.Float32)
    {
        Directory.CreateDirectory(directory);
        foreach (var stale in new[] { CheckpointFiles.Safetensors, CheckpointFiles.SafetensorsIndex })
            File.Delete(Path.Combine(directory, stale));
        var state = module.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long current = 0;
        foreach (var kv in state)
        {
            long bytes = kv.Value.numel() * ElementSize(dtype);
            if (current > 0 && current + bytes > maxShardBytes) { shards.Add([]); current = 0; }
            shards[^1].Add(kv);
            current += bytes;
        }
        if (shards.Count == 1)
        {
            WriteShard(Path.Combine(directory, CheckpointFiles.Safetensors), shards[0], dtype);
            return;
        }
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            string file = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            WriteShard(Path.Combine(directory, file), shards[i], dtype);
            foreach (var kv in shards[i]) { weightMap[kv.Key] = file; total += kv.Value.numel() * ElementSize(dtype); }
        }
        var index = new { metadata = new { total_size = total }, weight_map = weightMap };
        File.WriteAllText(Path.Combine(directory, CheckpointFiles.SafetensorsIndex),
            JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void WriteShard(string path, List<KeyValuePair<string, Tensor>> tensors, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var dict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
            dict[name] = t.detach().to(dtype).cpu().contiguous();
        string tmp = path + ".tmp";
        Safetensors.SaveStateDict(tmp, dict);
        File.Move(tmp, path, overwrite: true);
    }

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Float64 or ScalarType.Int64 => 8,
        _ => 4,
    };
}
