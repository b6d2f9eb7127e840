using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Training;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;

namespace LvmCloud.TrainingBench;

/// <summary>
/// <c>--step-throughput</c>: the synchronous trainer's tokens/s at several batch sizes, each in its own process (the
/// allocator settings are process-wide and read at start), the settings alternated so that every row meets the same
/// machine load. Per row: tokens/s per core, minor page faults per step and per token after warm-up (fresh memory the
/// kernel had to map), and peak RSS.
/// Usage: <c>-- --step-throughput [--batches 8,16,32] [--allocators default,tuned] [--steps 8] [--warmup-steps 3] [--repeats 2]</c>.
/// </summary>
internal static class StepThroughput
{
    private sealed record Row(string Allocator, int Batch, double TokensPerSecond, double FaultsPerStep, double PeakRssGb, double Loss);

    public static async Task<int> RunAsync(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var batches = (Arg("--batches") ?? "8,16,32").Split(',').Select(b => int.Parse(b, c)).ToList();
        var allocators = (Arg("--allocators") ?? "default,tuned").Split(',').ToList();
        int steps = int.Parse(Arg("--steps") ?? "8", c), warmup = int.Parse(Arg("--warmup-steps") ?? "3", c), repeats = int.Parse(Arg("--repeats") ?? "2", c);
        string preset = Arg("--preset") ?? "fmnist_lm";
        int threads = int.Parse(Arg("--threads") ?? $"{Environment.ProcessorCount}", c);

        var rows = new List<Row>();
        for (int repeat = 0; repeat < repeats; repeat++)
            foreach (var batch in batches)
                foreach (var allocator in allocators)
                {
                    Console.Error.WriteLine($"repeat {repeat + 1}/{repeats}: batch {batch}, allocator {allocator}...");
                    rows.Add(await RunChildAsync(allocator, batch, steps, warmup, preset, threads));
                }

        Console.WriteLine(string.Create(c, $"Synchronous trainer, {preset}, {threads} torch threads, {warmup} warm-up steps then {steps} measured, best of {repeats} per row (processes alternated)"));
        Console.WriteLine();
        Console.WriteLine("| allocator | batch | tokens/s | tokens/s per core | vs batch " + batches[0] + " | minor faults per step | peak RSS GB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var allocator in allocators)
        {
            var best = batches.Select(b => rows.Where(r => r.Allocator == allocator && r.Batch == b).MaxBy(r => r.TokensPerSecond)!).ToList();
            foreach (var r in best)
                Console.WriteLine(string.Create(c, $"| {allocator} | {r.Batch} | {r.TokensPerSecond:N0} | {r.TokensPerSecond / threads:N0} | {r.TokensPerSecond / best[0].TokensPerSecond:F2}x | {r.FaultsPerStep:N0} | {r.PeakRssGb:F2} |"));
        }
        return 0;
    }

    private static async Task<Row> RunChildAsync(string allocator, int batch, int steps, int warmup, string preset, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, ["--step-child", "--batch", $"{batch}", "--steps", $"{steps}", "--warmup-steps", $"{warmup}", "--preset", preset, "--threads", $"{threads}"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // "thp" variants: libtorch's own switch (THP_MEM_ALLOC_ENABLE: 2 MiB-aligned blocks advised as huge pages), for comparison.
        start.Environment["LVM_CPU_ALLOCATOR"] = allocator.Replace("+thp", "", StringComparison.Ordinal) is var policy && policy == "thp" ? "default" : policy;
        if (allocator.EndsWith("thp", StringComparison.Ordinal))
            start.Environment["THP_MEM_ALLOC_ENABLE"] = "1";
        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"The step child (batch {batch}, allocator {allocator}) exited {child.ExitCode}: {output}");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        var r = JsonSerializer.Deserialize<JsonElement>(line);
        return new Row(allocator, batch, r.GetProperty("tokensPerSecond").GetDouble(), r.GetProperty("faultsPerStep").GetDouble(), r.GetProperty("peakRssGb").GetDouble(), r.GetProperty("loss").GetDouble());
    }

    /// <summary>The child: one model, one optimizer, synthetic sentences; prints one JSON line.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        string Arg(string name) => args.SkipWhile(a => a != name).Skip(1).First();
        int batch = int.Parse(Arg("--batch"), c), steps = int.Parse(Arg("--steps"), c), warmup = int.Parse(Arg("--warmup-steps"), c);
        TorchSharp.torch.set_num_threads(int.Parse(Arg("--threads"), c));
        var config = LlamaPresets.Get(Arg("--preset"));
        var random = new DeterministicRandom(StableSeed.Derive(0, "step-throughput/data"));
        int length = config.MaxPositionEmbeddings;
        var sentences = Enumerable.Range(0, 512).Select(_ => Enumerable.Range(0, length).Select(_ => random.Next(config.VocabSize)).ToArray()).ToList();
        var train = new TokenSequences(sentences);
        var options = new TransformerTrainingOptions(Steps: warmup + steps, BatchSize: batch, PeakLr: 1e-3, WarmupSteps: 1, EvalEvery: 0, CheckpointEvery: warmup + steps);
        using var model = TransformerSource.Initial(config, 0, TorchSharp.torch.CPU);
        using var optimizer = TransformerOptimizer.Create(model, options);
        var loop = new TransformerInnerLoop(model, optimizer, options);
        await loop.RunAsync(new InnerLoopRequest(train, new StepRange(0, warmup)));
        long faults = MinorFaults();
        var clock = Stopwatch.StartNew();
        var result = await loop.RunAsync(new InnerLoopRequest(train, new StepRange(warmup, warmup + steps)));
        double seconds = clock.Elapsed.TotalSeconds;
        faults = MinorFaults() - faults;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            tokensPerSecond = result.Tokens / seconds,
            faultsPerStep = (double)faults / steps,
            peakRssGb = PeakRssBytes() / 1e9,
            loss = result.FinalLoss,
        }));
        return 0;
    }

    /// <summary>Minor page faults of this process so far (/proc/self/stat, field 10): pages the kernel mapped on first touch.</summary>
    internal static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    private static long PeakRssBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
