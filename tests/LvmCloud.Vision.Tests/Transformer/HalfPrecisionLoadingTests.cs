using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

/// <summary>The transformer loaded through <see cref="ModelPlacement"/> in half precision, against the float32 golden fixture.</summary>
public sealed class HalfPrecisionLoadingTests : IDisposable
{
    /// <summary>
    /// Max abs logit difference allowed for bfloat16 weights and activations against the float32 reference. bfloat16
    /// keeps 8 bits of mantissa (relative rounding up to 2⁻⁹ ≈ 0.002 per value); through two layers this fixture's logits
    /// (up to ±4.5) moved by 0.070 on the CPU. 0.25 leaves room for other kernels (a GPU's) and stays well below the
    /// 0.64 that the smallest real porting mistake in the fixture's sensitivity table moves them by.
    /// </summary>
    private const double Bfloat16Tolerance = 0.25;

    /// <summary>A CUDA device descriptor that initialises nothing, so the choice for CUDA is checked without a GPU.</summary>
    private static readonly Device CudaDescriptor = new(DeviceType.CUDA, 0);

    private readonly LlamaFixture _fixture = new(LlamaFixture.Mha);
    private readonly string _dir = Directory.CreateTempSubdirectory("lvm-half-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Bfloat16_placement_loads_the_mha_fixture_in_bfloat16_and_its_logits_stay_close_to_float32()
    {
        var placement = new ModelPlacement(TestDevice.Device, WeightDType.BFloat16);
        using var model = placement.LoadTransformer(_fixture.Directory);
        using var ids = _fixture.Tensor("input_ids");
        using var expected = _fixture.Tensor("logits");
        using var _ = no_grad();

        using var logits = model.forward(ids);

        Assert.Equal(ScalarType.BFloat16, model.DType);
        Assert.Equal(TestDevice.Device.type, model.Device.type);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        // Above float32 noise (so the weights really are bfloat16), within bfloat16 rounding.
        Assert.InRange(LlamaFixture.MaxAbsDiff(logits, expected), 1e-3, Bfloat16Tolerance);
    }

    [Fact]
    public void Auto_loads_a_bfloat16_checkpoint_as_float32_on_the_cpu_and_would_keep_it_bfloat16_on_cuda()
    {
        WriteBfloat16Copy();

        var onCpu = new ModelPlacement(CPU, WeightDType.Auto);
        using var model = onCpu.LoadTransformer(_dir);

        Assert.Equal(ScalarType.BFloat16, StoredDType.Of(_dir));
        Assert.Equal(ScalarType.Float32, model.DType);
        Assert.Equal(ScalarType.BFloat16, new ModelPlacement(CudaDescriptor, WeightDType.Auto).TransformerDType(_dir));
    }

    [Fact]
    public void Auto_on_the_cpu_keeps_the_float32_fixture_exact()
    {
        using var model = new ModelPlacement(CPU).LoadTransformer(_fixture.Directory);
        using var ids = _fixture.Tensor("input_ids");
        using var expected = _fixture.Tensor("logits");
        using var _ = no_grad();

        using var logits = model.forward(ids);

        Assert.Equal(ScalarType.Float32, model.DType);
        Assert.InRange(LlamaFixture.MaxAbsDiff(logits, expected), 0, 1e-4);
    }

    /// <summary>The fixture's config and weights, the weights stored as bfloat16.</summary>
    private void WriteBfloat16Copy()
    {
        using var model = LlamaForCausalLM.FromPretrained(_fixture.Directory);
        model.Config.Save(Path.Combine(_dir, "config.json"));
        CheckpointWriter.Save(model, _dir, dtype: ScalarType.BFloat16);
    }
}
