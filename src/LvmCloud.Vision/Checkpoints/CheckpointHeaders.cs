using System.Buffers.Binary;
using System.Text.Json;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Every tensor a checkpoint holds, by name, from its headers alone: the safetensors JSON headers, the <c>torch.save</c>
/// pickle (screened by <see cref="PickleCheck"/>). Each file passes its safety check first; no weight byte is read,
/// so a 13 GB checkpoint is described in milliseconds.
/// </summary>
public static class CheckpointHeaders
{
    /// <summary>
    /// The tensors of <paramref name="files"/> by name. Throws <see cref="CheckpointException"/> when a file fails its
    /// check or a tensor appears in two files (naming both).
    /// </summary>
    public static IReadOnlyDictionary<string, HeaderTensor> Read(CheckpointFiles files)
    {
        var tensors = new Dictionary<string, HeaderTensor>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var path in files.Paths)
        {
            var inFile = files.Format == CheckpointFormat.Safetensors ? ReadSafetensors(path) : ReadPickle(path);
            foreach (var tensor in inFile)
            {
                if (tensors.TryGetValue(tensor.Name, out var earlier))
                    problems.Add($"tensor '{tensor.Name}' is in both {earlier.File} and {tensor.File}");
                else
                    tensors[tensor.Name] = tensor;
            }
        }
        if (problems.Count > 0)
            throw new CheckpointException($"Checkpoint ({string.Join(", ", files.Paths.Select(Path.GetFileName))}) holds tensors twice: {string.Join("; ", problems.Take(10))}", problems);
        return tensors;
    }

    private static IEnumerable<HeaderTensor> ReadPickle(string path)
    {
        string file = Path.GetFileName(path);
        return PickleCheck.TensorShapes(path).Select(t => new HeaderTensor(t.Key, t.Value.StorageType, t.Value.Shape, file)).ToList();
    }

    private static List<HeaderTensor> ReadSafetensors(string path)
    {
        SafetensorsCheck.Check(path); // sizes, offsets, dtypes and overlaps are sound before the header is trusted
        string file = Path.GetFileName(path);
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var header = new byte[BinaryPrimitives.ReadUInt64LittleEndian(prefix)];
        stream.ReadExactly(header);
        using var document = JsonDocument.Parse(header);
        var tensors = new List<HeaderTensor>();
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
                continue;
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            tensors.Add(new HeaderTensor(entry.Name, entry.Value.GetProperty("dtype").GetString()!, shape, file));
        }
        return tensors;
    }
}
