using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Models;

/// <summary>
/// The state_dict a config implies, by name and shape: the module is built on the <c>meta</c> device (shapes only, no
/// memory, no initialisation), so the names are exactly the ones the loader fills, at any size.
/// </summary>
public static class ExpectedTensors
{
    /// <summary>The tensors a <see cref="LlamaForCausalLM"/> of <paramref name="config"/> loads.</summary>
    public static IReadOnlyDictionary<string, long[]> Of(LlamaConfig config)
    {
        using var model = new LlamaForCausalLM(config, device("meta"));
        return Shapes(model);
    }

    /// <summary>The tensors a <see cref="VqganModel"/> of <paramref name="config"/> loads.</summary>
    public static IReadOnlyDictionary<string, long[]> Of(VqganConfig config)
    {
        using var model = new VqganModel(config, device("meta"));
        return Shapes(model);
    }

    private static Dictionary<string, long[]> Shapes(nn.Module module)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in module.state_dict())
            shapes[name] = tensor.shape;
        return shapes;
    }
}
