using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Memory;

/// <summary>The memory plan of the released LVM 7B (config and stored dtype only: no 7B file), the auto choice, refusals and rows.</summary>
public sealed class MemoryPlanTests
{
    private const long Gib = 1L << 30;

    /// <summary>A CUDA device descriptor that initialises nothing.</summary>
    private static readonly Device CudaDescriptor = new(DeviceType.CUDA, 0);

    /// <summary>The released transformer (Emma02/LVM_ckpts): hidden 4096, intermediate 11008, 32 layers, 32 heads, vocabulary 8292, float16.</summary>
    private static readonly TransformerFootprint Lvm7B = new(LlamaPresets.Get("vqlm_7b"), ScalarType.Float16);

    private static readonly VqganFootprint LvmVqgan = new(VqganPresets.Lvm);

    private static MemoryPlan Plan(double freeGb, string dtype = WeightDType.Auto, Device? device = null, int sequence = 4096) =>
        MemoryPlanner.Plan(Lvm7B, LvmVqgan, device ?? CPU, dtype, MemoryBudget.Gigabytes(freeGb, "test"), sequence);

    [Fact]
    public void The_7B_sizes_match_the_hand_computed_ones()
    {
        // Per layer: q, k, v, o (4 x 4096^2), gate, up, down (3 x 4096 x 11008), two norms (2 x 4096);
        // embeddings and head 2 x 8292 x 4096; the final norm 4096.
        long perLayer = 4L * 4096 * 4096 + 3L * 4096 * 11008 + 2 * 4096;
        long expected = 32 * perLayer + 2L * 8292 * 4096 + 4096;

        Assert.Equal(expected, Lvm7B.ParameterCount);
        // 6.54B, not LLaMA-7B's 6.74B: LVM's vocabulary is 8292 ids, not 32000.
        Assert.InRange(Lvm7B.ParameterCount, 6.54e9, 6.55e9);
        Assert.Equal(expected * 2, Lvm7B.WeightBytes(ScalarType.Float16));
        Assert.InRange(Lvm7B.WeightBytes(ScalarType.Float16), 13.08e9, 13.1e9); // the release's 13.1 GB of shards
        Assert.Equal(expected * 4, Lvm7B.WeightBytes(ScalarType.Float32));
        // 2 (keys and values) x 32 layers x 4096 tokens x 4096 (32 heads x 128) x 2 bytes = 2 GiB.
        Assert.Equal(2 * Gib, Lvm7B.KvBytesPerRow(4096, ScalarType.BFloat16));
        Assert.Equal(512L << 20, Lvm7B.KvBytesPerRow(1024, ScalarType.BFloat16));
        Assert.Equal(4 * Gib, Lvm7B.KvBytesPerRow(4096, ScalarType.Float32));
    }

    [Fact]
    public void The_vqgan_is_counted_in_float32_and_its_batch_by_its_widest_level()
    {
        Assert.Equal(VqganParameterCount.Of(VqganPresets.Lvm) * 4, LvmVqgan.WeightBytes);
        // Widest activation: level 0, 128 channels at 256 x 256, float32; six of them per image; no attention.
        Assert.Equal(6L * 128 * 256 * 256 * 4, LvmVqgan.ActivationBytesPerImage);
        Assert.Equal(16 * LvmVqgan.ActivationBytesPerImage, LvmVqgan.ActivationBytes);
    }

    [Theory]
    [InlineData(8, "bfloat16", false)]
    [InlineData(16, "bfloat16", false)]
    [InlineData(24, "bfloat16", true)]
    [InlineData(32, "bfloat16", true)]
    [InlineData(48, "float32", true)]
    public void Auto_takes_the_widest_dtype_that_fits_one_row_of_the_full_context(double freeGb, string expected, bool fits)
    {
        var plan = Plan(freeGb);

        Assert.Equal(expected, WeightDType.NameOf(plan.DType));
        Assert.Equal(fits, plan.Fits);
        Assert.StartsWith("auto: float32 needs ", plan.Reason);
        if (expected == "float32")
            Assert.Equal($"cpu float32 (auto: float32 needs {ByteSize.Gb(plan.MinimumBytes)}, {freeGb:F2} GB free)", plan.Describe());
        else
            Assert.Contains($", {freeGb:F2} GB free", plan.Describe());
    }

    [Fact]
    public void Auto_on_cuda_falls_back_to_the_stored_half_dtype()
    {
        var plan = Plan(20, device: CudaDescriptor);

        Assert.Equal(ScalarType.Float16, plan.DType);
        Assert.StartsWith("cuda float16 (auto: float32 needs ", plan.Describe());
    }

    [Fact]
    public void A_small_model_stays_float32()
    {
        var small = new TransformerFootprint(LlamaPresets.Get("vqlm_1b"), ScalarType.Float16);

        var plan = MemoryPlanner.Plan(small, LvmVqgan, CPU, WeightDType.Auto, MemoryBudget.Gigabytes(16, "test"), 4096);

        Assert.Equal(ScalarType.Float32, plan.DType);
        Assert.True(plan.Fits);
    }

    [Fact]
    public void Free_memory_unknown_keeps_the_old_rule_and_refuses_nothing()
    {
        var unknown = new MemoryBudget(null, "unknown (test)");

        var cpu = MemoryPlanner.Plan(Lvm7B, LvmVqgan, CPU, WeightDType.Auto, unknown, 4096);
        var cuda = MemoryPlanner.Plan(Lvm7B, LvmVqgan, CudaDescriptor, WeightDType.Auto, unknown, 4096);

        Assert.Equal(ScalarType.Float32, cpu.DType);
        Assert.Equal(ScalarType.Float16, cuda.DType);
        Assert.Equal(int.MaxValue, cpu.MaxRows(4096));
        cpu.EnsureFits(64);
    }

    [Fact]
    public void An_explicit_float32_that_does_not_fit_is_refused_with_the_numbers_and_the_fixes()
    {
        var plan = Plan(21.9, WeightDType.Float32);

        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Equal(MemoryPlan.ModelDoesNotFitCode, refusal.Code);
        Assert.Equal(ScalarType.Float32, plan.DType);
        Assert.Equal("asked for", plan.Reason);
        Assert.StartsWith("The model does not fit in memory: the transformer in float32 (6,544,199,680 parameters) 26.18 GB + VQGAN ", refusal.Message);
        Assert.Contains($"= {ByteSize.Gb(plan.MinimumBytes)}, but 21.90 GB is free (test). Nothing was loaded.", refusal.Message);
        Assert.Contains("(KV cache 4.29 GB per row)", refusal.Message);
        var bf16 = plan with { DType = ScalarType.BFloat16 };
        Assert.Contains($"Fix: load the transformer in bfloat16 (--dtype bfloat16: needs {ByteSize.Gb(bf16.MinimumBytes)}); or load the transformer in float16", refusal.Message);
        Assert.EndsWith($"or a machine with at least {ByteSize.Gb(plan.MinimumBytes)} free.", refusal.Message);
    }

    [Fact]
    public void A_model_that_fits_in_no_dtype_offers_only_a_bigger_machine()
    {
        var plan = Plan(8);

        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Equal(ScalarType.BFloat16, plan.DType);
        Assert.Contains("; bfloat16 needs ", plan.Reason);
        Assert.DoesNotContain("--dtype", refusal.Message);
        Assert.EndsWith($"Fix: a machine with at least {ByteSize.Gb(plan.MinimumBytes)} free.", refusal.Message);
    }

    [Fact]
    public void Rows_per_batch_are_what_fits_after_the_weights()
    {
        var plan = Plan(40, WeightDType.BFloat16);
        long room = plan.Budget.FreeBytes!.Value - plan.FixedBytes;

        Assert.Equal((int)(room / plan.BytesPerRow(1024)), plan.MaxRows(1024));
        Assert.Equal((int)(room / plan.BytesPerRow(4096)), plan.MaxRows(4096));
        Assert.True(plan.MaxRows(1024) > plan.MaxRows(4096));
        Assert.True(plan.MaxRows(4096) >= 1);
        // One more row than fits is refused, naming how many do.
        int fit = plan.MaxRows(4096);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits(fit + 1));
        Assert.Contains($"fewer rows per batch (at most {fit} fit)", refusal.Message);
    }

    [Fact]
    public void A_row_costs_its_kv_cache_and_its_prefill_activations()
    {
        long l = 1024, d = 4096, i = 11008;
        long expected = 3 * l * d * 4 + 5 * l * d * 2 + 2 * l * d * 4 + 4 * l * i * 2 + 32 * l * l * 4 + 4L * 8292 * 8;

        Assert.Equal(expected, Lvm7B.ActivationBytesPerRow(1024, ScalarType.BFloat16));
        Assert.Equal(Lvm7B.KvBytesPerRow(1024, ScalarType.BFloat16) + expected, Lvm7B.BytesPerRow(1024, ScalarType.BFloat16));
    }
}
