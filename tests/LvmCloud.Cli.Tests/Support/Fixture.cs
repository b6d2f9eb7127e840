using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace LvmCloud.Cli.Tests.Support;

/// <summary>A golden fixture folder in the build output (<c>Fixtures/{name}</c>): weights, config and raw tensors.</summary>
public sealed class Fixture(string name)
{
    public const string Vqgan = "vqgan";
    public const string LlamaMha = "llama_mha";
    public const string LlamaGqa = "llama_gqa";

    private readonly JsonArray tensors = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name, "manifest.json")))!["tensors"]!.AsArray();

    public string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public long[] Shape(string tensor) => Entry(tensor)["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();

    public byte[] Bytes(string tensor) => File.ReadAllBytes(Path.Combine(Directory, Entry(tensor)["file"]!.GetValue<string>()));

    public float[] Floats(string tensor) => MemoryMarshal.Cast<byte, float>(Bytes(tensor)).ToArray();

    /// <summary>An int64 tensor as rows over its first dimension.</summary>
    public long[][] Rows(string tensor)
    {
        var values = MemoryMarshal.Cast<byte, long>(Bytes(tensor)).ToArray();
        var shape = Shape(tensor);
        int width = (int)(values.Length / shape[0]);
        return Enumerable.Range(0, (int)shape[0]).Select(r => values.AsSpan(r * width, width).ToArray()).ToArray();
    }

    private JsonNode Entry(string tensor) =>
        tensors.FirstOrDefault(t => t!["name"]!.GetValue<string>() == tensor)
        ?? throw new KeyNotFoundException($"Fixture {name} has no tensor '{tensor}'.");
}
