using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Loads Hugging Face / open-muse weights into a module by parameter name, one file at a time:
/// a sharded checkpoint never holds more than the model plus one shard in memory.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Tensors that checkpoints may carry but that a model recomputes (HF's old rotary buffers).</summary>
    public static bool IsIgnorableExtra(string name) => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    /// <summary>
    /// Copies every tensor of the checkpoint in <paramref name="directory"/> into <paramref name="module"/>,
    /// converting fp16/bf16/fp32 on disk to the module's dtype. Throws <see cref="CheckpointException"/>
    /// naming each missing, unexpected or misshapen tensor; the module is then left partly loaded.
    /// </summary>
    public static void LoadInto(nn.Module module, string directory) => LoadInto(module, CheckpointFiles.Find(directory));

    public static void LoadInto(nn.Module module, CheckpointFiles files)
    {
        var targets = module.state_dict();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        using (no_grad())
        {
            foreach (var path in files.Paths)
            {
                var shard = ReadFile(files.Format, path);
                try
                {
                    foreach (var (name, source) in shard)
                    {
                        if (!targets.TryGetValue(name, out var target))
                        {
                            if (!IsIgnorableExtra(name)) problems.Add($"unexpected tensor '{name}' {Shape(source.shape)} in {Path.GetFileName(path)}");
                            continue;
                        }
                        if (!source.shape.SequenceEqual(target.shape))
                        {
                            loaded.Add(name); // reported as misshapen, not also as missing
                            problems.Add($"misshapen tensor '{name}': checkpoint {Shape(source.shape)}, model {Shape(target.shape)}");
                            continue;
                        }
                        if (!loaded.Add(name))
                        {
                            problems.Add($"tensor '{name}' appears in more than one shard");
                            continue;
                        }
                        target.copy_(source);
                    }
                }
                finally
                {
                    foreach (var t in shard.Values) t.Dispose();
                }
            }
        }
        foreach (var name in targets.Keys)
            if (!loaded.Contains(name)) problems.Add($"missing tensor '{name}' {Shape(targets[name].shape)}");
        if (problems.Count > 0)
        {
            string where = string.Join(", ", files.Paths.Select(Path.GetFileName));
            throw new CheckpointException(
                $"Checkpoint ({where}) does not fit the model: {problems.Count} problem(s): {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? "; ..." : "")}",
                problems);
        }
    }

    /// <summary>Reads one weight file into a name → tensor map (the caller disposes the tensors).</summary>
    /// <remarks>
    /// The file is checked first (<see cref="SafetensorsCheck"/>, <see cref="PickleCheck"/>): a header that lies about
    /// sizes or offsets, a truncated file or a pickle asking for anything but tensor rebuilding is refused with a
    /// <see cref="CheckpointException"/> naming the file before a tensor is allocated or anything is unpickled.
    /// </remarks>
    /// <exception cref="InvalidDataException">The file passed its check but cannot be read as its format (damaged), naming it.</exception>
    public static Dictionary<string, Tensor> ReadFile(CheckpointFormat format, string path)
    {
        if (format == CheckpointFormat.Safetensors)
            SafetensorsCheck.Check(path);
        else
            PickleCheck.Check(path);
        try
        {
            return ReadFileUnchecked(format, path);
        }
        catch (Exception e) when (e is EndOfStreamException or System.Text.Json.JsonException or ArgumentException or FormatException
                                      or OverflowException or NotSupportedException or IndexOutOfRangeException
                                      or (IOException and not FileNotFoundException and not DirectoryNotFoundException))
        {
            // A file cut short (an interrupted copy or upload) ends before its header says it does.
            long length = File.Exists(path) ? new FileInfo(path).Length : 0;
            string detail = string.IsNullOrWhiteSpace(e.Message) ? e.GetType().Name : $"{e.GetType().Name}: {e.Message}";
            throw new InvalidDataException($"'{path}' ({length} bytes) is not a readable {format} file, truncated or damaged ({detail}).", e);
        }
    }

    private static Dictionary<string, Tensor> ReadFileUnchecked(CheckpointFormat format, string path)
    {
        if (format == CheckpointFormat.Safetensors) return Safetensors.LoadStateDict(path);
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor t) result[name] = t;
            else throw new InvalidDataException($"'{path}' holds a non-tensor entry '{entry.Key}': expected a state_dict of tensors.");
        }
        return result;
    }

    internal static string Shape(long[] shape) => "[" + string.Join(",", shape) + "]";
}
