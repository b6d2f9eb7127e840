using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>SiLU-gated MLP: down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public LlamaMlp(LlamaConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, false, device, dtype);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, false, device, dtype);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, false, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(HalfLinear.Forward(gate_proj, x)) * HalfLinear.Forward(up_proj, x);
        return HalfLinear.Forward(down_proj, gated).MoveToOuterDisposeScope();
    }
}
