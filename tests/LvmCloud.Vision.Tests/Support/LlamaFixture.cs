using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Support;

/// <summary>One golden LLaMA fixture folder (config.json, weights, tensors/*.bin described by manifest.json).</summary>
public sealed class LlamaFixture
{
    public const string Mha = "llama_mha";
    public const string Gqa = "llama_gqa";

    private readonly JsonArray tensors;

    public LlamaFixture(string name)
    {
        Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        Config = LlamaConfig.Load(Directory);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "manifest.json")))!;
        tensors = manifest["tensors"]!.AsArray();
        ParameterNames = manifest["weights"]!["keys"]!.AsArray().Select(k => k!["name"]!.GetValue<string>()).ToList();
    }

    public string Directory { get; }
    public LlamaConfig Config { get; }

    /// <summary>Every state_dict key of the reference model, in its order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>A model with the fixture's weights, read from <c>model.safetensors</c> or <c>pytorch_model.bin</c>, on <see cref="TestDevice"/>.</summary>
    public LlamaForCausalLM LoadModel(string weightsFile = "model.safetensors")
    {
        var model = new LlamaForCausalLM(Config, TestDevice.Device);
        var format = weightsFile.EndsWith(".safetensors", StringComparison.Ordinal) ? CheckpointFormat.Safetensors : CheckpointFormat.PyTorchBin;
        CheckpointLoader.LoadInto(model, new CheckpointFiles(format, [Path.Combine(Directory, weightsFile)]));
        model.eval();
        return model;
    }

    /// <summary>A tensor from tensors/*.bin, shaped as the manifest says.</summary>
    public Tensor Tensor(string name)
    {
        var entry = tensors.FirstOrDefault(t => t!["name"]!.GetValue<string>() == name)
            ?? throw new KeyNotFoundException($"Fixture {Directory} has no tensor '{name}'.");
        var bytes = File.ReadAllBytes(Path.Combine(Directory, entry["file"]!.GetValue<string>()));
        var shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
        return entry["dtype"]!.GetValue<string>() switch
        {
            "float32" => torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray()).reshape(shape),
            "int64" => torch.tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray()).reshape(shape),
            var other => throw new NotSupportedException($"Fixture dtype {other}"),
        };
    }

    /// <summary>Largest absolute difference, compared in float32 on the CPU (either side may be on the test device).</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        using var diff = (a.cpu().to(ScalarType.Float32) - b.cpu().to(ScalarType.Float32)).abs().max();
        return diff.item<float>();
    }
}
