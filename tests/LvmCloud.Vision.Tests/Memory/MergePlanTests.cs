using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Tests.Memory;

/// <summary>The memory plan of a DiLoCo merge: its phases counted by hand, the peak, the refusal and its fixes.</summary>
public sealed class MergePlanTests
{
    private static readonly LlamaConfig Lvm7B = LlamaPresets.Get("vqlm_7b");

    private static readonly LlamaConfig Tiny = LlamaPresets.Get("tiny");

    /// <summary>vqlm_7b's largest tensor: an MLP matrix, 4096 x 11008 (the 8292 x 4096 embedding is smaller).</summary>
    private const long Largest7B = 4096L * 11008;

    private static MemoryBudget Free(double gb) => MemoryBudget.Gigabytes(gb, "test");

    [Fact]
    public void A_merge_after_the_first_round_holds_20_bytes_a_parameter_and_the_outer_steps_float64_temporaries()
    {
        var plan = MemoryPlanner.PlanMerge(Lvm7B, Free(1000), shards: 4, hasMomentum: true, compression: null);
        long p = Lvm7B.ParameterCount;

        // Reading the shards: base 4 + sum 8 + previous momentum 4 + one shard's weights 4, two float64 copies of a tensor.
        Assert.Equal(20 * p + 2 * 8 * Largest7B, plan.Phases[0].Bytes);
        // The outer step: the shard is gone, the next momentum (4) grows beside thirteen float64 copies of a tensor.
        Assert.Equal(20 * p + 13 * 8 * Largest7B, plan.Phases[1].Bytes);
        Assert.Equal(2, plan.Phases.Count); // no eval data, no eval pass
        Assert.Equal("the outer step", plan.Peak.Name);
        Assert.Equal(20 * p + 13 * 8 * Largest7B + MemoryPlan.RuntimeOverheadBytes, plan.TotalBytes);
        Assert.True(plan.Fits);
        Assert.Same(plan, plan.EnsureFits());
        Assert.Equal(
            "cpu merge of 4 shards: at its peak (the outer step) base weights 26.18 GB + running sum (float64) 52.35 GB + previous momentum 26.18 GB + " +
            "next momentum and the step's float64 temporaries 30.87 GB + runtime 1.07 GB = 136.65 GB of 1000.00 GB free (test); " +
            "phases: reading the shards 131.61 GB, the outer step 135.57 GB",
            plan.Describe());
    }

    [Fact]
    public void The_first_rounds_merge_has_no_previous_momentum()
    {
        var first = MemoryPlanner.PlanMerge(Lvm7B, Free(1000), 4, hasMomentum: false, compression: null);
        var later = MemoryPlanner.PlanMerge(Lvm7B, Free(1000), 4, hasMomentum: true, compression: null);

        Assert.Equal(later.TotalBytes - 4 * Lvm7B.ParameterCount, first.TotalBytes);
        Assert.DoesNotContain("previous momentum", first.Describe());
    }

    [Fact]
    public void The_7B_merge_does_not_fit_24_GB_and_its_refusal_names_the_numbers_and_the_fix()
    {
        var plan = MemoryPlanner.PlanMerge(Lvm7B, Free(24), 4, hasMomentum: true, compression: null);

        Assert.False(plan.Fits);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Equal(MemoryPlan.ModelDoesNotFitCode, refusal.Code);
        Assert.Same(plan, refusal.Merge);
        Assert.Null(refusal.Training);
        Assert.Null(refusal.Plan);
        Assert.Equal(
            "The merge does not fit in memory: the transformer (6,544,199,680 parameters, float32 weights, float64 sums) at its peak (the outer step) holds " +
            "base weights 26.18 GB + running sum (float64) 52.35 GB + previous momentum 26.18 GB + next momentum and the step's float64 temporaries 30.87 GB + " +
            "runtime 1.07 GB = 136.65 GB (phases: reading the shards 131.61 GB, the outer step 135.57 GB), but 24.00 GB is free (test). Nothing was loaded. " +
            "Fix: a machine with at least 136.65 GB free; or a smaller model.",
            refusal.Message);
    }

    [Fact]
    public void A_compressed_merge_decodes_a_whole_outer_gradient_to_float64_and_names_the_uncompressed_merge_as_a_fix()
    {
        long p = Lvm7B.ParameterCount;
        var plain = MemoryPlanner.PlanMerge(Lvm7B, Free(150), 4, hasMomentum: true, compression: null);
        var plan = MemoryPlanner.PlanMerge(Lvm7B, Free(150), 4, hasMomentum: true, compression: OuterGradientPrecision.Int8);

        // Reading a compressed shard: base 4 + sum 8 + previous momentum 4 + the decoded δ in float64 8 + the file's int8
        // values and scales (about 1) and four float64 copies of a tensor while one is decoded.
        long encoded = OuterGradientCodec.PayloadBytes(p, OuterGradientPrecision.Int8) + 4 * (12 * 32 + 3);
        Assert.Equal(24 * p + encoded + 4 * 8 * Largest7B, plan.Phases[0].Bytes);
        Assert.Equal("reading the shards", plan.Peak.Name);
        Assert.True(plain.Fits);
        var refusal = Assert.Throws<ModelDoesNotFitException>(() => plan.EnsureFits());

        Assert.Contains("at its peak (reading the shards) holds base weights 26.18 GB + running sum (float64) 52.35 GB + previous momentum 26.18 GB + one shard's int8 outer gradient decoded to float64 ", refusal.Message);
        Assert.EndsWith(
            $"Fix: a machine with at least {ByteSize.Gb(plan.TotalBytes)} free; or for a new run, outer.compression none (the merge then reads each shard's float32 weights " +
            "instead of decoding its whole int8 outer gradient to float64: needs 136.65 GB); or a smaller model.",
            refusal.Message);
    }

    [Fact]
    public void The_bundled_fmnist_lm_merge_with_its_eval_pass_fits_this_kind_of_machine()
    {
        var config = LlamaPresets.Get("fmnist_lm");
        var plan = MemoryPlanner.PlanMerge(config, Free(21.9), 4, hasMomentum: true, OuterGradientPrecision.Int8, evalBatchSize: 16, evalSequenceLength: 256);

        Assert.True(plan.Fits);
        Assert.Equal(["reading the shards", "the outer step", "the eval pass"], plan.Phases.Select(p => p.Name));
        var footprint = new TrainingFootprint(config);
        // The eval pass keeps no layer's tensors for backward: two layers' worth, the scores reserve and the logits, with the slack.
        long perSequence = (2 * footprint.LayerActivationBytes(256) + footprint.AttentionScoreBytes(256) + footprint.OuterActivationBytes(256)) * 3 / 2;
        Assert.Equal(perSequence, footprint.EvalActivationBytesPerSequence(256));
        Assert.Equal(4 * config.ParameterCount + 16 * perSequence, plan.Phases[2].Bytes);
        Assert.True(perSequence < footprint.ActivationBytesPerSequence(256)); // far less than a training step keeps
        Assert.Equal("the eval pass", plan.Peak.Name); // the figure of docs/training.md, "Memory"
        Assert.InRange(plan.TotalBytes, 1.07e9, 1.5e9);
        Assert.StartsWith("cpu merge of 4 shards: at its peak (", plan.Describe());
        Assert.EndsWith(", the eval pass " + ByteSize.Gb(plan.Phases[2].Bytes), plan.Describe());
    }

    [Fact]
    public void Free_memory_unknown_refuses_nothing()
    {
        var plan = MemoryPlanner.PlanMerge(Lvm7B, new MemoryBudget(null, "unknown (test)"), 8, hasMomentum: true, OuterGradientPrecision.Int4);

        Assert.False(plan.Known);
        Assert.True(plan.Fits);
        plan.EnsureFits();
        Assert.Contains("(free memory unknown (test)); phases: ", plan.Describe());
    }

    [Theory]
    [InlineData(0, 0, 0, "at least 1 shard, got 0")]
    [InlineData(2, 4, 0, "got 4 sequences of 0 tokens")]
    [InlineData(2, 0, 64, "got 0 sequences of 64 tokens")]
    [InlineData(2, -1, -1, "got -1 sequences of -1 tokens")]
    public void Impossible_shards_or_eval_sizes_are_refused_by_name(int shards, int evalBatch, int evalLength, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => MemoryPlanner.PlanMerge(Tiny, Free(1), shards, false, null, evalBatch, evalLength));

        Assert.Contains(expected, error.Message);
    }
}
