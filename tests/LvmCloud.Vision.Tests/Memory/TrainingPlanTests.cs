using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Memory;

/// <summary>The memory plan of a training step: the footprint computed by hand, the batch that fits, the refusal and its fixes.</summary>
public sealed class TrainingPlanTests
{
    /// <summary>The tiny preset: vocabulary 512, width 64, MLP 172, 2 layers, 4 heads of 16, 2 KV heads.</summary>
    private static readonly LlamaConfig Tiny = LlamaPresets.Get("tiny");

    private static readonly LlamaConfig Lvm7B = LlamaPresets.Get("vqlm_7b");

    private static TrainingPlan Plan(LlamaConfig config, int batch, int length, double? freeGb) =>
        MemoryPlanner.PlanTraining(config, batch, length, freeGb is { } gb ? MemoryBudget.Gigabytes(gb, "test") : new MemoryBudget(null, "unknown (test)"));

    [Fact]
    public void The_tiny_footprint_matches_the_hand_computed_one()
    {
        // Per layer: q 64x64, k and v 64x32 each, o 64x64, gate/up/down 3 x 64x172, two norms of 64.
        long perLayer = 64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 172 + 2 * 64;
        long parameters = 2 * perLayer + 2 * 512 * 64 + 64; // embeddings, untied head, final norm
        Assert.Equal(156_480, parameters);
        var footprint = new TrainingFootprint(Tiny);

        Assert.Equal(parameters, footprint.ParameterCount);
        Assert.Equal(parameters * 4, footprint.WeightBytes);
        Assert.Equal(parameters * 4, footprint.GradientBytes);
        Assert.Equal(parameters * 8, footprint.OptimizerBytes); // AdamW's two moments
        Assert.Equal(parameters * 16, footprint.StateBytes);

        // One sequence of 32 tokens, float32: each layer keeps 10 x L x hidden, 4 x L x intermediate and the
        // log-sum-exp (heads x L); the stack keeps layers + 1 of those (one layer's gradients in backward), one layer's
        // scores reserve (heads x L x L), the embedding and final norm (2 x L x hidden), three L x vocabulary tensors of
        // the loss and the int64 ids and targets.
        long layer = (10 * 32 * 64 + 4 * 32 * 172 + 4 * 32) * 4;
        long scores = 4 * 32 * 32 * 4;
        long outer = 2 * 32 * 64 * 4 + 3 * 32 * 512 * 4 + 2 * 32 * 8;
        Assert.Equal(170_496, layer);
        Assert.Equal(layer, footprint.LayerActivationBytes(32));
        Assert.Equal(scores, footprint.AttentionScoreBytes(32));
        Assert.Equal(outer, footprint.OuterActivationBytes(32));
        Assert.Equal(3 * layer + scores + outer, footprint.CountedActivationBytesPerSequence(32));
        Assert.Equal(741_376, footprint.CountedActivationBytesPerSequence(32));
        Assert.Equal(741_376 * 3 / 2, footprint.ActivationBytesPerSequence(32)); // the measured allocator slack
    }

    [Fact]
    public void The_plan_adds_the_runtime_and_the_micro_batch_and_counts_the_batches_that_fit()
    {
        var plan = Plan(Tiny, batch: 4, length: 32, freeGb: 2);
        long fixedBytes = 156_480L * 16 + (1L << 30);

        Assert.Equal(fixedBytes, plan.FixedBytes);
        Assert.Equal(4 * (741_376L * 3 / 2), plan.ActivationBytes);
        Assert.Equal(fixedBytes + 4 * (741_376L * 3 / 2), plan.TotalBytes);
        Assert.Equal((int)((2_000_000_000 - fixedBytes) / (741_376 * 3 / 2)), plan.MaxBatch(32));
        Assert.True(plan.Fits);
        Assert.Same(plan, plan.EnsureFits());
        Assert.Equal(
            $"cpu float32 training: weights 0.00 GB + gradients 0.00 GB + AdamW moments 0.00 GB + runtime 1.07 GB + a batch of 4 sequences of 32 tokens 0.00 GB = 1.08 GB of 2.00 GB free (test); at most {plan.MaxBatch(32)} sequences per batch fit",
            plan.Describe());
    }

    [Fact]
    public void The_7B_needs_16_bytes_a_parameter_before_any_activation()
    {
        var plan = Plan(Lvm7B, batch: 1, length: 4096, freeGb: 80);
        long parameters = Lvm7B.ParameterCount;

        Assert.Equal(16 * parameters, plan.Footprint.StateBytes);
        Assert.InRange(plan.Footprint.StateBytes, 104.7e9, 104.8e9);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Equal(MemoryPlan.ModelDoesNotFitCode, refusal.Code);
        Assert.Same(plan, refusal.Training);
        Assert.Null(refusal.Plan);
        Assert.StartsWith("The training step does not fit in memory: the transformer (6,544,199,680 parameters, float32) weights 26.18 GB + gradients 26.18 GB + AdamW moments 52.35 GB + runtime 1.07 GB + 1 sequence of 4096 tokens ", refusal.Message);
        Assert.Contains($"= {ByteSize.Gb(plan.TotalBytes)}, but 80.00 GB is free (test). The weights, gradients and AdamW moments alone need {ByteSize.Gb(plan.FixedBytes)} with the runtime. Nothing was loaded.", refusal.Message);
        Assert.EndsWith($"Fix: a smaller model; or a machine with at least {ByteSize.Gb(plan.TotalBytes)} free.", refusal.Message);
    }

    [Fact]
    public void A_batch_too_big_is_refused_naming_the_batch_that_fits()
    {
        var probe = Plan(Tiny, batch: 1, length: 256, freeGb: 1);
        // Room beside the weights for 3.5 sequences of 256 tokens.
        double freeGb = (probe.FixedBytes + 3.5 * probe.BytesPerSequence(256)) / ByteSize.BytesPerGb;
        var plan = Plan(Tiny, batch: 8, length: 256, freeGb: freeGb);

        Assert.Equal(3, plan.MaxBatch(256));
        Assert.False(plan.Fits);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Equal(8, refusal.Rows);
        Assert.Contains("a batch of 8 sequences of 256 tokens ", refusal.Message);
        Assert.Contains($"(per sequence {ByteSize.Gb(plan.BytesPerSequence(256))})", refusal.Message);
        Assert.DoesNotContain("alone need", refusal.Message);
        Assert.EndsWith(
            $"Fix: a smaller batch (--batch-size 3 at most; raise the gradient accumulation to keep the sequences per optimizer step); or a smaller model; or a machine with at least {ByteSize.Gb(plan.TotalBytes)} free.",
            refusal.Message);
        Plan(Tiny, batch: 3, length: 256, freeGb: freeGb).EnsureFits();
    }

    [Fact]
    public void A_sequence_too_long_for_one_row_is_refused_naming_the_length_that_fits()
    {
        var probe = Plan(Tiny, batch: 1, length: 512, freeGb: 1);
        // Room for one sequence of 300 tokens, not of 512.
        double freeGb = (probe.FixedBytes + probe.BytesPerSequence(300)) / ByteSize.BytesPerGb;
        var plan = MemoryPlanner.PlanTraining(Tiny, 2, 512, MemoryBudget.Gigabytes(freeGb, "test"), batchSetting: "inner.batchSize");

        Assert.Equal(0, plan.MaxBatch(512));
        int longest = plan.MaxSequenceLength();
        Assert.InRange(longest, 300, 301); // the budget's GB are rounded down to whole bytes
        Assert.True(plan.RequiredBytes(1, longest) <= plan.Budget.FreeBytes);
        Assert.True(plan.RequiredBytes(1, longest + 1) > plan.Budget.FreeBytes);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Contains($"Fix: shorter sequences (one sequence of at most {longest} tokens fits); or a smaller model; or a machine with at least ", refusal.Message);
        Assert.DoesNotContain("inner.batchSize", refusal.Message);
    }

    [Fact]
    public void The_1B_at_its_full_context_on_a_22_GB_machine_fits_one_sequence_of_406_tokens()
    {
        // The example of docs/training.md, "Memory".
        var plan = Plan(LlamaPresets.Get("vqlm_1b"), batch: 4, length: 4096, freeGb: 21.9);

        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Equal(0, plan.MaxBatch(4096));
        Assert.Equal(406, plan.MaxSequenceLength());
        Assert.Equal(
            "The training step does not fit in memory: the transformer (1,147,119,616 parameters, float32) weights 4.59 GB + gradients 4.59 GB + AdamW moments 9.18 GB + runtime 1.07 GB + " +
            "a batch of 4 sequences of 4096 tokens 105.41 GB (per sequence 26.35 GB) = 124.84 GB, but 21.90 GB is free (test). Nothing was loaded. " +
            "Fix: shorter sequences (one sequence of at most 406 tokens fits); or a smaller model; or a machine with at least 124.84 GB free.",
            refusal.Message);
    }

    [Fact]
    public void Free_memory_unknown_refuses_nothing()
    {
        var plan = Plan(Lvm7B, batch: 64, length: 4096, freeGb: null);

        Assert.False(plan.Known);
        Assert.True(plan.Fits);
        Assert.Equal(int.MaxValue, plan.MaxBatch(4096));
        plan.EnsureFits();
        Assert.EndsWith("(free memory unknown (test))", plan.Describe());
    }

    [Fact]
    public void A_cuda_refusal_asks_for_a_bigger_gpu()
    {
        var plan = MemoryPlanner.PlanTraining(Lvm7B, 1, 4096, MemoryBudget.Gigabytes(80, "test"), new Device(DeviceType.CUDA, 0));

        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.StartsWith("cuda float32 training: ", plan.Describe());
        Assert.Contains("or a machine (GPU) with at least ", refusal.Message);
    }

    [Theory]
    [InlineData(OuterGradientPrecision.Int8)]
    [InlineData(OuterGradientPrecision.Int4)]
    public void A_compressing_shard_counts_its_base_copy_at_exactly_4_bytes_a_parameter_and_the_delta_it_writes(OuterGradientPrecision precision)
    {
        var plain = Plan(Tiny, batch: 4, length: 32, freeGb: 2);
        var extras = new OuterStepFootprint(Tiny).ShardItems(precision);
        var plan = MemoryPlanner.PlanTraining(Tiny, 4, 32, MemoryBudget.Gigabytes(2, "test"), extras: extras);

        Assert.Empty(new OuterStepFootprint(Tiny).ShardItems(null));
        var (baseCopy, delta) = (extras[0], extras[1]);
        Assert.Equal(("base copy for the outer gradient", 156_480L * 4), (baseCopy.Label, baseCopy.Bytes));
        // The quantized values (1 byte or a nibble an element) and a float32 scale a block of 256 per tensor, plus eight
        // float64 temporaries of the largest tensor (the 512 x 64 embedding) while one tensor is encoded.
        long elements = precision == OuterGradientPrecision.Int8 ? 156_480 : 156_480 / 2;
        long scales = 4 * (156_480 / 256 + 1) + 4 * (12 * 2 + 3);
        Assert.Equal(elements + scales + 8 * 8 * 512 * 64, delta.Bytes);
        Assert.Equal($"{OuterGradientCodec.Name(precision)} outer gradient being written", delta.Label);
        Assert.Equal(plain.FixedBytes + 156_480L * 4 + delta.Bytes, plan.FixedBytes);
        Assert.Equal(plain.TotalBytes + 156_480L * 4 + delta.Bytes, plan.TotalBytes);
        Assert.Contains("+ AdamW moments 0.00 GB + base copy for the outer gradient 0.00 GB + " + OuterGradientCodec.Name(precision) + " outer gradient being written 0.00 GB + runtime 1.07 GB + a batch of 4 sequences", plan.Describe());
    }

    [Fact]
    public void A_7B_shard_that_compresses_needs_4_bytes_a_parameter_more_and_is_told_to_stop_compressing_when_that_fits()
    {
        var lvm7B = new OuterStepFootprint(Lvm7B);
        var plain = Plan(Lvm7B, batch: 1, length: 256, freeGb: null);
        // Room for the plain step and half the base copy.
        double freeGb = (plain.TotalBytes + 2.0 * Lvm7B.ParameterCount) / ByteSize.BytesPerGb;
        var plan = MemoryPlanner.PlanTraining(Lvm7B, 1, 256, MemoryBudget.Gigabytes(freeGb, "test"), batchSetting: "inner.batchSize", extras: lvm7B.ShardItems(OuterGradientPrecision.Int8));

        Assert.Equal(4 * Lvm7B.ParameterCount, plan.ExtraItems[0].Bytes);
        Assert.Equal("base copy for the outer gradient 26.18 GB", plan.ExtraItems[0].ToString());
        Assert.False(plan.Fits);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Contains("AdamW moments 52.35 GB + base copy for the outer gradient 26.18 GB + int8 outer gradient being written ", refusal.Message);
        Assert.Contains($"The weights, gradients, AdamW moments and base copy for the outer gradient and int8 outer gradient being written alone need {ByteSize.Gb(plan.FixedBytes)} with the runtime.", refusal.Message);
        Assert.EndsWith(
            $"Fix: outer.compression none (without base copy for the outer gradient and int8 outer gradient being written: needs {ByteSize.Gb(plain.TotalBytes)}); " +
            $"or a smaller model; or a machine with at least {ByteSize.Gb(plan.TotalBytes)} free.",
            refusal.Message);
    }

    [Theory]
    [InlineData(0, 32)]
    [InlineData(4, 0)]
    public void A_batch_or_length_below_one_is_refused_by_name(int batch, int length)
    {
        var error = Assert.Throws<ArgumentException>(() => Plan(Tiny, batch, length, 1));

        Assert.Contains(batch < 1 ? "at least 1 sequence, got 0 (--batch-size)" : "at least 1 token, got 0", error.Message);
    }
}
