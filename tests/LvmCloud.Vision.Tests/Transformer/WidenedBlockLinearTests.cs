using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

/// <summary><see cref="WidenedBlockLinear"/>: the prefill path of half-precision weights on the CPU, against float32 linear.</summary>
public sealed class WidenedBlockLinearTests
{
    [Theory]
    [InlineData(ScalarType.BFloat16, true)]
    [InlineData(ScalarType.Float16, false)]
    public void Gives_float32_linear_of_the_same_half_values_rounded_once_across_block_edges(ScalarType dtype, bool bias)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(11);
        var weight = (randn(37, 52) * 0.1).to(dtype);           // 37 outputs: blocks of 5 leave a remainder of 2
        var b = bias ? (randn(37) * 0.1).to(dtype) : null;
        var x = randn(2, 48, 52).to(dtype);                       // 96 rows: a prefill

        var y = WidenedBlockLinear.Forward(weight, b, x, blockBytes: 5 * 52 * sizeof(float));

        var expected = nn.functional.linear(x.to(ScalarType.Float32), weight.to(ScalarType.Float32), b?.to(ScalarType.Float32)).to(dtype);
        Assert.Equal(new long[] { 2, 48, 37 }, y.shape);
        Assert.Equal(dtype, y.dtype);
        // Both are float32 sums of the same products rounded once to the half dtype; GEMM's summation order may
        // differ between a block and the whole, which moves a float32 sum by far less than one half-precision step.
        var difference = (y.to(ScalarType.Float32) - expected.to(ScalarType.Float32)).abs();
        var step = expected.to(ScalarType.Float32).abs() * (dtype == ScalarType.BFloat16 ? 1.0 / 128 : 1.0 / 1024) + 1e-6;
        Assert.True((difference <= step).all().item<bool>(), $"max difference {difference.max().item<float>()}");
    }

    [Fact]
    public void Applies_to_many_rows_of_float16_cpu_weights_without_autograd_only()
    {
        using var scope = NewDisposeScope();
        var weight = zeros(8, 16, dtype: ScalarType.Float16);
        using (no_grad())
        {
            Assert.True(WidenedBlockLinear.Qualifies(weight, null, zeros(WidenedBlockLinear.MinRows, 16, dtype: ScalarType.Float16)));
            Assert.False(WidenedBlockLinear.Qualifies(weight, null, zeros(WidenedBlockLinear.MinRows - 1, 16, dtype: ScalarType.Float16)));         // decode-sized
            Assert.False(WidenedBlockLinear.Qualifies(weight.to(ScalarType.BFloat16), null, zeros(128, 16, dtype: ScalarType.BFloat16)));         // libtorch's bf16 GEMM is faster
            Assert.False(WidenedBlockLinear.Qualifies(weight.to(ScalarType.Float32), null, zeros(128, 16)));                                        // float32
        }
        using (enable_grad())
        {
            var trainable = zeros(8, 16, dtype: ScalarType.Float16).requires_grad_();
            Assert.False(WidenedBlockLinear.Qualifies(trainable, null, zeros(128, 16, dtype: ScalarType.Float16)));                                // training
        }
    }
}
