using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>RMSNorm as in HF LLaMA: normalise in float32, cast back, then scale by the weight.</summary>
public sealed class LlamaRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    // Held by the module: TorchSharp lets a Scalar converted implicitly from a number be finalized while the native
    // call using it still runs (dotnet/TorchSharp#1434), which a busy worker met as "Unknown scalar type" in pow.
    private readonly Scalar eps;

    public LlamaRmsNorm(long size, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaRmsNorm))
    {
        this.eps = eps.ToScalar();
        weight = new Parameter(ones(size, dtype: dtype, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var variance = x32.square().mean([-1], keepdim: true);                      // square(), not pow(2): no Scalar
        var normed = x32 * rsqrt(variance.add(eps));
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) eps.Dispose();
        base.Dispose(disposing);
    }
}
