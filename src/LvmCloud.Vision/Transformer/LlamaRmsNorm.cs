using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>RMSNorm as in HF LLaMA: normalise in float32, cast back, then scale by the weight.</summary>
public sealed class LlamaRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public LlamaRmsNorm(long size, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaRmsNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(size, dtype: dtype, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var variance = x32.pow(2).mean([-1], keepdim: true);
        var normed = x32 * rsqrt(variance + eps);
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
