using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Checkpoints;

public sealed class SafetensorsStreamWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-stream-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Copies each tensor's bytes out of <paramref name="state"/>, a chunk at a time.</summary>
    private static SafetensorsStreamWriter.FillChunk From(IReadOnlyDictionary<string, Tensor> state) => (entry, offset, destination) =>
    {
        var values = state[entry.Name].contiguous().data<float>().ToArray();
        MemoryMarshal.AsBytes(values.AsSpan()).Slice((int)offset, destination.Length).CopyTo(destination);
    };

    [Fact]
    public void Sharded_streamed_llama_checkpoint_loads_bit_for_bit_through_from_pretrained()
    {
        var config = LlamaPresets.Get("tiny");
        manual_seed(11);
        using var source = new LlamaForCausalLM(config);
        var state = source.state_dict();
        var shards = HfShardPlan.Split(HfLlamaTensors.StateDictOrder(config, "F32"), maxShardBytes: 64 * 1024);
        Assert.True(shards.Count >= 3, $"expected several shards, got {shards.Count}");
        for (int i = 0; i < shards.Count; i++)
            SafetensorsStreamWriter.Write(Path.Combine(_dir, HfShardPlan.FileName(i, shards.Count)), shards[i], From(state), chunkBytes: 1000);
        File.WriteAllText(Path.Combine(_dir, CheckpointFiles.SafetensorsIndex), HfShardPlan.IndexJson(shards));
        config.Save(_dir);

        using var loaded = LlamaForCausalLM.FromPretrained(_dir);

        foreach (var (name, tensor) in loaded.state_dict())
            Assert.True(tensor.allclose(state[name], rtol: 0, atol: 0), $"tensor {name} differs");
    }

    [Fact]
    public void Header_follows_the_python_library_layout_and_passes_the_loaders_check()
    {
        SafetensorsWriteEntry[] entries = [new("b.half", "F16", [3]), new("a.half", "F16", [2, 2]), new("z.float", "F32", [5])];
        string path = Path.Combine(_dir, "mixed.safetensors");

        long length = SafetensorsStreamWriter.Write(path, entries, (_, _, d) => d.Fill(0), new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(bytes.Length, length);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 5 * 4 + 4 * 2 + 3 * 2, bytes.Length);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
        var names = header.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["__metadata__", "z.float", "a.half", "b.half"], names);  // widest dtype first, then by name
        Assert.Equal([20, 28], header.RootElement.GetProperty("a.half").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        SafetensorsCheck.Check(path);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Duplicate_tensor_names_are_refused_before_a_file_is_written()
    {
        SafetensorsWriteEntry[] entries = [new("w", "F16", [2]), new("w", "F16", [3])];
        string path = Path.Combine(_dir, "dup.safetensors");

        var e = Assert.Throws<ArgumentException>(() => SafetensorsStreamWriter.Write(path, entries, (_, _, d) => d.Fill(0)));

        Assert.Contains("'w'", e.Message);
        Assert.False(File.Exists(path + ".tmp"));
        Assert.False(File.Exists(path));
    }
}
