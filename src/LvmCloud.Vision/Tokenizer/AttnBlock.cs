using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>Single-head spatial self-attention over all C channels with 1×1 q, k, v, proj_out and a residual.</summary>
public sealed class AttnBlock : Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d q;
    private readonly Conv2d k;
    private readonly Conv2d v;
    private readonly Conv2d proj_out;

    public AttnBlock(long channels, Device? device = null) : base(nameof(AttnBlock))
    {
        norm = VqganLayers.GroupNorm(channels, device);
        q = Conv2d(channels, channels, kernel_size: 1, stride: 1, padding: 0L, device: device);
        k = Conv2d(channels, channels, kernel_size: 1, stride: 1, padding: 0L, device: device);
        v = Conv2d(channels, channels, kernel_size: 1, stride: 1, padding: 0L, device: device);
        proj_out = Conv2d(channels, channels, kernel_size: 1, stride: 1, padding: 0L, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var normed = norm.forward(input);
        var (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
        var query = q.forward(normed).reshape(batch, channels, height * width).permute(0, 2, 1); // (B, HW, C)
        var key = k.forward(normed).reshape(batch, channels, height * width);                   // (B, C, HW)
        var value = v.forward(normed).reshape(batch, channels, height * width);                 // (B, C, HW)

        var weights = bmm(query, key) * Math.Pow(channels, -0.5); // (B, HW_q, HW_k)
        weights = softmax(weights, dim: 2);                        // over keys
        var attended = bmm(value, weights.permute(0, 2, 1))        // (B, C, HW_q)
            .reshape(batch, channels, height, width);              // (B, C, H, W)
        return (proj_out.forward(attended) + input).MoveToOuterDisposeScope();
    }
}
