using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

/// <summary><see cref="HalfLinear"/>: which calls go to the kernel, and a half-precision model decoding with it against without.</summary>
public sealed class HalfLinearTests
{
    /// <summary>
    /// Max abs difference of greedy step logits, kernel against libtorch, both in the same half dtype. Both accumulate in
    /// float32 and round each layer's output to the half dtype, in another order; a rounding that flips changes a value by
    /// one half-precision step (2⁻⁸ relative for bfloat16) and the change travels on through the layers. Measured on these
    /// fixtures: 0 (bfloat16: no rounding flipped), 0.004 (float16), logits up to about ±4.5; 0.05 is a dozen such
    /// flips, far below what a wrong weight or row would move them by (whole units).
    /// </summary>
    private const double KernelVsLibTorchTolerance = 0.05;

    [Fact]
    public void Routes_half_precision_cpu_calls_of_at_most_16_rows_without_autograd_to_the_kernel()
    {
        using var scope = NewDisposeScope();
        using var layer = nn.Linear(40, 24, hasBias: true, dtype: ScalarType.BFloat16);
        using var noGrad = no_grad();

        Assert.True(HalfLinear.Qualifies(layer.weight!, layer.bias, zeros(2, 8, 40, dtype: ScalarType.BFloat16)));
        Assert.True(HalfLinear.Qualifies(layer.weight!, layer.bias, zeros(16, 40)));
        Assert.False(HalfLinear.Qualifies(layer.weight!, layer.bias, zeros(17, 40, dtype: ScalarType.BFloat16)));      // prefill-sized
        Assert.False(HalfLinear.Qualifies(layer.weight!.to(ScalarType.Float32), null, zeros(1, 40)));                  // float32 weights
        Assert.False(HalfLinear.Qualifies(layer.weight!, layer.bias, zeros(40, 2, dtype: ScalarType.BFloat16).t()));   // not contiguous
        using (HalfLinear.UseLibTorch())
            Assert.False(HalfLinear.Qualifies(layer.weight!, layer.bias, zeros(1, 40, dtype: ScalarType.BFloat16)));
        using (enable_grad())
            Assert.False(HalfLinear.Qualifies(layer.weight!, layer.bias, zeros(1, 40, dtype: ScalarType.BFloat16)));   // training
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Gives_nn_linear_shape_and_dtype_and_its_values_within_one_rounding(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var layer = nn.Linear(300, 130, hasBias: true, dtype: dtype);
        var x = randn(2, 3, 300).to(dtype);
        using var noGrad = no_grad();

        var actual = HalfLinear.Forward(layer, x);
        var expected = layer.forward(x);

        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(dtype, actual.dtype);
        // Each side rounds a float32 sum to the half dtype once: they differ by at most one step of it.
        var step = expected.to(ScalarType.Float32).abs() * (dtype == ScalarType.BFloat16 ? 1.0 / 128 : 1.0 / 1024) + 1e-3;
        Assert.True((actual.to(ScalarType.Float32) - expected.to(ScalarType.Float32)).abs().le(step).all().item<bool>());
    }

    [Theory]
    [InlineData(LlamaFixture.Mha, ScalarType.BFloat16)]
    [InlineData(LlamaFixture.Gqa, ScalarType.BFloat16)]
    [InlineData(LlamaFixture.Mha, ScalarType.Float16)]
    [InlineData(LlamaFixture.Gqa, ScalarType.Float16)]
    public void A_half_precision_model_decodes_the_same_greedy_tokens_with_the_kernel_as_with_libtorch(string fixtureName, ScalarType dtype)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = LlamaForCausalLM.FromPretrained(fixture.Directory, CPU, dtype);
        using var ids = fixture.Tensor("input_ids");
        using var referenceTokens = fixture.Tensor("greedy_new_tokens");
        int steps = (int)referenceTokens.shape[1];

        var (kernelTokens, kernelLogits) = Greedy(model, ids, steps);
        Tensor libTorchTokens, libTorchLogits;
        using (HalfLinear.UseLibTorch())
            (libTorchTokens, libTorchLogits) = Greedy(model, ids, steps);

        using (kernelTokens)
        using (kernelLogits)
        using (libTorchTokens)
        using (libTorchLogits)
        {
            Assert.Equal(libTorchTokens.data<long>().ToArray(), kernelTokens.data<long>().ToArray());
            Assert.InRange(LlamaFixture.MaxAbsDiff(kernelLogits, libTorchLogits), 0, KernelVsLibTorchTolerance);
        }
    }

    /// <summary>Prefill, then greedy decode steps with a KV cache: tokens (B, steps) and step logits (B, steps, V).</summary>
    private static (Tensor Tokens, Tensor Logits) Greedy(LlamaForCausalLM model, Tensor ids, int steps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int batch = (int)ids.shape[0], promptLength = (int)ids.shape[1];
        using var cache = model.CreateCache(batch, promptLength + steps);
        var stepLogits = new List<Tensor> { model.Forward(ids, cache, 0)[.., -1] };
        var tokens = new List<Tensor>();
        for (int step = 0; step < steps; step++)
        {
            tokens.Add(stepLogits[^1].argmax(-1));                                 // (B)
            if (step == steps - 1) break;
            stepLogits.Add(model.Forward(tokens[^1].unsqueeze(1), cache, promptLength + step)[.., -1]);
        }
        return (stack(tokens, 1).MoveToOuterDisposeScope(), stack(stepLogits, 1).MoveToOuterDisposeScope());
    }
}
