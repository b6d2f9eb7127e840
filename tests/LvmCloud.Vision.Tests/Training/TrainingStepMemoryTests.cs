using System.Globalization;
using LvmCloud.Core.Sentences;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

/// <summary>
/// A training step reuses its memory after warm-up instead of mapping fresh pages every step (docs/training.md, "Step
/// speed and memory"). Minor page faults are pages the kernel mapped for this process on first touch; they are
/// counted process-wide, so the test runs alone (no other collection allocates meanwhile).
/// </summary>
[Collection(TorchRngCollection.Name)]
public sealed class TrainingStepMemoryTests
{
    private static readonly LlamaConfig Config = new(512, 128, 256, 2, 4, 4, MaxPositionEmbeddings: 256);

    [Fact]
    public async Task After_warm_up_a_step_maps_almost_no_fresh_pages()
    {
        TorchRuntime.EnsureLoaded();
        const int batch = 8, warmup = 3, measured = 4;
        var random = new DeterministicRandom(7);
        var rows = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, Config.MaxPositionEmbeddings).Select(_ => random.Next(Config.VocabSize)).ToArray()).ToList();
        var options = new TransformerTrainingOptions(Steps: warmup + measured, BatchSize: batch, PeakLr: 1e-3, WarmupSteps: 1, EvalEvery: 0, CheckpointEvery: 100);
        manual_seed(3);
        using var model = new LlamaForCausalLM(Config);
        using var optimizer = TransformerOptimizer.Create(model, options);
        var loop = new TransformerInnerLoop(model, optimizer, options);
        var train = new TokenSequences(rows);

        await loop.RunAsync(new InnerLoopRequest(train, new StepRange(0, warmup)));
        Assert.Equal(CpuAllocatorPolicy.Tuned, CpuAllocatorPolicy.Effective); // the inner loop applied it
        long before = MinorFaults();
        var result = await loop.RunAsync(new InnerLoopRequest(train, new StepRange(warmup, warmup + measured)));
        long faultsPerStep = (MinorFaults() - before) / measured;

        // What a step allocates and frees, as the memory planner counts it: without reuse, each step would touch
        // most of it afresh (LVM_CPU_ALLOCATOR=default: thousands of faults a step here).
        long stepBytes = new TrainingFootprint(Config).ActivationBytesPerSequence(Config.MaxPositionEmbeddings) * batch;
        long stepPages = stepBytes / Environment.SystemPageSize;
        Assert.True(stepPages > 2_000, $"the step must allocate enough to matter: {stepPages} pages");
        Assert.True(double.IsFinite(result.FinalLoss));
        Assert.True(faultsPerStep * 20 < stepPages,
            string.Create(CultureInfo.InvariantCulture, $"{faultsPerStep} fresh pages per step after warm-up, against {stepPages} pages the step allocates (bound: under 5 %)"));
    }

    [Theory]
    [InlineData(null, "tuned")]
    [InlineData("", "tuned")]
    [InlineData(" Default ", "default")]
    [InlineData("tuned", "tuned")]
    public void The_policy_variable_names_tuned_or_default(string? value, string expected) =>
        Assert.Equal(expected, CpuAllocatorPolicy.Parse(value));

    [Fact]
    public void An_unknown_policy_is_refused_with_the_allowed_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => CpuAllocatorPolicy.Parse("jemalloc"));
        Assert.Contains("LVM_CPU_ALLOCATOR=jemalloc", error.Message);
        Assert.Contains("'tuned'", error.Message);
        Assert.Contains("'default'", error.Message);
    }

    /// <summary>Minor page faults of this process so far (/proc/self/stat, field 10).</summary>
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }
}
