using System.Globalization;
using LvmCloud.Core.Sentences;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

/// <summary>
/// A training step reuses its memory after warm-up instead of mapping fresh pages every step (docs/training.md, "Step
/// speed and memory"). Minor page faults are pages the kernel mapped for this process on first touch; they are
/// counted process-wide, so the test runs alone (no other collection allocates meanwhile).
/// </summary>
[Collection(TorchRngCollection.Name)]
public sealed class TrainingStepMemoryTests(ITestOutputHelper output)
{
    // A wide vocabulary makes the loss's tensors (logits, log-softmax, their gradient: batch x 127 x 4096 float32, 67 MB
    // each at batch 32) larger than glibc's largest mmap threshold (32 MiB): as shipped, they are fresh memory every step.
    private static readonly LlamaConfig Config = new(4096, 64, 128, 1, 2, 2, MaxPositionEmbeddings: 128);

    // With hopping callbacks the step's caller resumes on thread-pool threads between steps (as a shard job's progress
    // and checkpoint uploads make it); each thread that allocated a step's buffers would keep them in its own malloc
    // arena, so the steps must all run on the inner loop's one step thread to stay within the bound.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_warm_up_a_step_maps_almost_no_fresh_pages(bool callbacksHopThreads)
    {
        TorchRuntime.EnsureLoaded();
        const int batch = 32, warmup = 8, measured = 4;
        var random = new DeterministicRandom(7);
        var rows = Enumerable.Range(0, 128).Select(_ => Enumerable.Range(0, Config.MaxPositionEmbeddings).Select(_ => random.Next(Config.VocabSize)).ToArray()).ToList();
        var options = new TransformerTrainingOptions(Steps: warmup + measured, BatchSize: batch, PeakLr: 1e-3, WarmupSteps: 1, EvalEvery: 0, CheckpointEvery: 100);
        manual_seed(3);
        using var model = new LlamaForCausalLM(Config);
        using var optimizer = TransformerOptimizer.Create(model, options);
        var loop = new TransformerInnerLoop(model, optimizer, options);
        var train = new TokenSequences(rows);

        await loop.RunAsync(new InnerLoopRequest(train, new StepRange(0, warmup)));
        Assert.Equal(CpuAllocatorPolicy.Tuned, CpuAllocatorPolicy.Effective); // the inner loop applied it
        long before = MinorFaults();
        var callerThreads = new HashSet<int>();
        int callbacks = 0;
        var request = new InnerLoopRequest(train, new StepRange(warmup, warmup + measured));
        if (callbacksHopThreads)
            request = request with
            {
                OnStep = async (_, ct) =>
                {
                    await Task.Delay(5, ct).ConfigureAwait(false);
                    callerThreads.Add(Environment.CurrentManagedThreadId);
                    callbacks++;
                },
            };
        var result = await loop.RunAsync(request);
        long faultsPerStep = (MinorFaults() - before) / measured;

        // As shipped (LVM_CPU_ALLOCATOR=default) a step maps more fresh pages than one of the loss's tensors holds;
        // reused, it maps only what other work in the process touches (tens to a few thousand pages measured).
        long stepPages = new TrainingFootprint(Config).ActivationBytesPerSequence(Config.MaxPositionEmbeddings) * batch / Environment.SystemPageSize;
        long lossTensorPages = (long)batch * (Config.MaxPositionEmbeddings - 1) * Config.VocabSize * sizeof(float) / Environment.SystemPageSize;
        output.WriteLine($"{faultsPerStep} fresh pages per step after warm-up; the step allocates about {stepPages} pages, one loss tensor {lossTensorPages}; callbacks resumed on {callerThreads.Count} threads");
        Assert.Equal(callbacksHopThreads ? measured : 0, callbacks);
        Assert.True(double.IsFinite(result.FinalLoss));
        Assert.True(faultsPerStep < lossTensorPages,
            string.Create(CultureInfo.InvariantCulture, $"{faultsPerStep} fresh pages per step after warm-up, more than one loss tensor's {lossTensorPages} (the step allocates about {stepPages})"));
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
