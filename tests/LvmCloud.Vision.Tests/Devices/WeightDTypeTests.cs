using LvmCloud.Vision.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Devices;

public sealed class WeightDTypeTests
{
    /// <summary>A CUDA device descriptor that initialises nothing (<c>torch.CUDA</c> would load the CUDA backend), so these run without a GPU.</summary>
    private static readonly Device CudaDescriptor = new(DeviceType.CUDA, 0);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Auto_is_float32_on_the_cpu_whatever_the_checkpoint_stores(ScalarType stored) =>
        Assert.Equal(ScalarType.Float32, WeightDType.Resolve("auto", CPU, stored));

    [Theory]
    [InlineData(ScalarType.BFloat16, ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16, ScalarType.Float16)]
    [InlineData(ScalarType.Float32, ScalarType.Float32)]
    [InlineData(ScalarType.Float64, ScalarType.Float32)]
    public void Auto_keeps_a_half_precision_checkpoint_in_its_stored_dtype_on_cuda(ScalarType stored, ScalarType expected) =>
        Assert.Equal(expected, WeightDType.Resolve("auto", CudaDescriptor, stored));

    [Theory]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    [InlineData("float16", ScalarType.Float16)]
    public void An_explicit_choice_wins_on_either_device(string choice, ScalarType expected)
    {
        Assert.Equal(expected, WeightDType.Resolve(choice, CPU, ScalarType.BFloat16));
        Assert.Equal(expected, WeightDType.Resolve(choice, CudaDescriptor, ScalarType.Float16));
        Assert.Equal(choice, WeightDType.NameOf(expected));
    }

    [Fact]
    public void Other_names_are_refused_listing_the_accepted_ones()
    {
        Assert.Equal("--dtype must be one of auto, float32, bfloat16, float16, got 'fp16'.", WeightDType.Problem("fp16", "--dtype"));
        Assert.Throws<ArgumentException>(() => WeightDType.Resolve("half", CPU, ScalarType.Float32));
    }
}
