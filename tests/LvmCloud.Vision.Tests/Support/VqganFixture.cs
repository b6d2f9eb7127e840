using System.Runtime.InteropServices;
using System.Text.Json;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Support;

/// <summary>
/// The golden VQGAN fixture in the build output (<c>Fixtures/vqgan</c>): config.json, pytorch_model.bin and raw
/// little-endian tensors described by manifest.json (name, file, dtype, shape).
/// </summary>
public static class VqganFixture
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "vqgan");

    public static string ConfigPath => Path.Combine(Directory, "config.json");

    /// <summary>Every state_dict key of the checkpoint, with its shape, in state_dict order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> WeightKeys()
    {
        using var manifest = ReadManifest();
        return manifest.RootElement.GetProperty("weights").GetProperty("keys").EnumerateArray()
            .Select(k => (k.GetProperty("name").GetString()!, ShapeOf(k)))
            .ToList();
    }

    /// <summary>The parameter count recorded in the manifest.</summary>
    public static long ParameterCount()
    {
        using var manifest = ReadManifest();
        return manifest.RootElement.GetProperty("weights").GetProperty("num_parameters").GetInt64();
    }

    /// <summary>Reads the tensor called <paramref name="name"/> (float32, int64 or uint8) with its manifest shape.</summary>
    public static Tensor Tensor(string name)
    {
        using var manifest = ReadManifest();
        var entry = manifest.RootElement.GetProperty("tensors").EnumerateArray()
            .FirstOrDefault(t => t.GetProperty("name").GetString() == name);
        if (entry.ValueKind == JsonValueKind.Undefined)
            throw new KeyNotFoundException($"Tensor '{name}' is not in the VQGAN fixture manifest.");

        var bytes = File.ReadAllBytes(Path.Combine(Directory, entry.GetProperty("file").GetString()!));
        var shape = ShapeOf(entry);
        using var flat = entry.GetProperty("dtype").GetString() switch
        {
            "float32" => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray()),
            "int64" => tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray()),
            "uint8" => tensor(bytes),
            var other => throw new NotSupportedException($"Fixture dtype '{other}' of tensor '{name}' is not supported."),
        };
        return flat.reshape(shape);
    }

    /// <summary>Asserts equal shapes and a maximum absolute difference of at most <paramref name="tolerance"/> (compared on the CPU).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        using var diff = (expected.cpu().to(float32) - actual.cpu().to(float32)).abs().max();
        var maxDiff = diff.item<float>();
        Assert.True(maxDiff <= tolerance, $"{what}: max abs diff {maxDiff:G3} exceeds {tolerance:G3}");
    }

    private static JsonDocument ReadManifest() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "manifest.json")));

    private static long[] ShapeOf(JsonElement element) =>
        element.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
}
