using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

/// <summary>HF LLaMA's RMSNorm: <c>weight * (x.float() * rsqrt(mean(x.float()², -1) + eps)).to(x.dtype)</c>.</summary>
public sealed class LlamaRmsNormTests
{
    private const double Eps = 1e-6;

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Half_precision_input_is_normalised_in_float32_and_comes_back_in_its_dtype(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var norm = new LlamaRmsNorm(64, Eps, dtype: dtype);
        using (no_grad())
            norm.parameters().Single().copy_(1 + 0.2 * randn(64));
        var x = (randn(2, 5, 64) * 3).to(dtype);

        var y = norm.forward(x);

        var weight = norm.parameters().Single();
        var x32 = x.to(ScalarType.Float32);
        var reference = weight * (x32 * rsqrt(x32.pow(2).mean([-1], keepdim: true) + Eps)).to(dtype);
        Assert.Equal(dtype, y.dtype);
        Assert.Equal(reference.shape, y.shape);
        Assert.True(y.eq(reference).all().item<bool>(), "the output should equal the float32-inside reference bit for bit");
    }

    [Fact]
    public void Float16_values_whose_squares_overflow_float16_still_normalise()
    {
        using var scope = NewDisposeScope();
        using var norm = new LlamaRmsNorm(8, Eps, dtype: ScalarType.Float16);
        var x = full(1, 8, 300.0, dtype: ScalarType.Float16); // 300² = 90000 > 65504, float16's largest value

        var y = norm.forward(x);

        Assert.True(x.pow(2).isinf().all().item<bool>(), "squaring in float16 itself would overflow");
        Assert.Equal(ScalarType.Float16, y.dtype);
        Assert.All(y.to(ScalarType.Float32).data<float>().ToArray(), v => Assert.Equal(1f, v, 1e-3f));
    }
}
