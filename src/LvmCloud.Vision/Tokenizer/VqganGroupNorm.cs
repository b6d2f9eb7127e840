using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// GroupNorm(32 groups, eps 1e-6, affine) with parameters <c>weight</c> and <c>bias</c> as in open-muse.
/// Inference uses libtorch's fused kernel. Training computes the variance in two passes
/// (mean of squared deviations, never negative): with eps as small as 1e-6, channels that are constant
/// over an image (black backgrounds) made the fused kernel's variance round below −eps now and then,
/// and training went NaN.
/// </summary>
public sealed class VqganGroupNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long _groups;
    private readonly double _eps;

    public VqganGroupNorm(long groups, long channels, double eps, Device? device = null) : base(nameof(VqganGroupNorm))
    {
        if (channels % groups != 0) throw new ArgumentException($"GroupNorm: {channels} channels do not split into {groups} groups.");
        _groups = groups;
        _eps = eps;
        weight = nn.Parameter(ones(channels, device: device));
        bias = nn.Parameter(zeros(channels, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (!training) return nn.functional.group_norm(input, _groups, weight, bias, _eps);
        using var scope = NewDisposeScope();
        var (b, c) = (input.shape[0], input.shape[1]);
        var grouped = input.reshape(b, _groups, -1);                             // (B, G, C/G * H * W)
        var centred = grouped - grouped.mean([2], keepdim: true);
        var variance = centred.square().mean([2], keepdim: true);
        var normed = (centred * (variance + _eps).rsqrt()).reshape(input.shape); // (B, C, H, W)
        var shape = new long[input.dim()];
        Array.Fill(shape, 1L);
        shape[1] = c;
        return (normed * weight.reshape(shape) + bias.reshape(shape)).MoveToOuterDisposeScope();
    }
}
