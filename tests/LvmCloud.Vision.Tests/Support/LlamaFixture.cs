using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using TorchSharp.PyBridge;
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

    /// <summary>A model with the fixture's weights, read from <c>model.safetensors</c> or <c>pytorch_model.bin</c>.</summary>
    public LlamaForCausalLM LoadModel(string weightsFile = "model.safetensors")
    {
        var model = new LlamaForCausalLM(Config);
        var path = Path.Combine(Directory, weightsFile);
        if (weightsFile.EndsWith(".safetensors", StringComparison.Ordinal))
            model.load_safetensors(path);
        else
            model.load_py(path);
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

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var diff = (a - b).abs().max();
        return diff.item<float>();
    }
}
