using static TorchSharp.torch;

namespace LvmCloud.Vision.Tokenizer;

/// <summary>
/// How the VQGAN's blocks treat their intermediate tensors. With <see cref="FreeEarly"/> (the default) every
/// intermediate is disposed at its last use and, under <c>no_grad</c>, SiLU and the residual sum run in place, so a
/// block holds at most about two activations at a time instead of every one it made until its dispose scope ends:
/// less fresh memory per image, fewer page faults, the same outputs bit for bit. Off, the blocks keep everything to
/// the end of their scope, the way they used to; only the benchmark turns it off, to measure the difference.
/// </summary>
public static class VqganMemory
{
    public static bool FreeEarly { get; set; } = true;

    /// <summary>SiLU of <paramref name="x"/>, which this call owns: in place without autograd, else a new tensor with <paramref name="x"/> disposed.</summary>
    internal static Tensor SiluOwned(Tensor x)
    {
        if (!is_grad_enabled()) return x.silu_();
        var y = nn.functional.silu(x);
        x.Dispose();
        return y;
    }

    /// <summary><paramref name="next"/>, disposing <paramref name="previous"/> unless it is the caller's <paramref name="input"/>.</summary>
    internal static Tensor Replace(Tensor previous, Tensor next, Tensor input)
    {
        if (FreeEarly && !ReferenceEquals(previous, input) && !ReferenceEquals(previous, next))
            previous.Dispose();
        return next;
    }
}
