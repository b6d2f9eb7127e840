using LvmCloud.Core.Manifests;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Generation;
using LvmCloud.Vision.Pipelines;
using static TorchSharp.torch;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// <c>--real-size DIR</c>: a real-size model through the project's own paths, each row beside its floor measured in the
/// same run: load (<see cref="LvmModel.Load(string, ModelPlacement)"/>) against a cold read of the same files and peak
/// resident memory against the model's bytes; a 768-token prefill against the measured <c>linear</c> rate in the
/// model's dtype; decode steps at 1 and 8 rows against weight + KV bytes at the measured read bandwidth; the whole
/// item (3 frames → 1 frame, 256 px) through <see cref="BatchItemRunner"/> and <see cref="CompletionPipeline"/>, what
/// <c>lvm complete</c> runs; and, given <c>--lvm-cli</c>, <c>lvm complete</c> itself as a child process.
/// </summary>
public static class RealSizeBench
{
    public static int Run(RealSizeOptions options, Device device, BenchTable table)
    {
        var placement = new ModelPlacement(device, options.DType);
        var files = Directory.EnumerateFiles(Path.Combine(options.ModelDirectory, LvmModel.TransformerFolder))
            .Concat(Directory.EnumerateFiles(Path.Combine(options.ModelDirectory, LvmModel.TokenizerFolder)))
            .Order(StringComparer.Ordinal).ToList();

        Console.Error.WriteLine("read bandwidth...");
        double bandwidth = MemoryBandwidth.BytesPerSecond(device);
        table.Add("read bandwidth (sum of 512 MiB float32, best of 10)", bandwidth / 1e9, "GB/s", "floor of decode steps");

        Console.Error.WriteLine("reading the files...");
        bool cold = ColdRead.DropPageCache();
        var (readSeconds, readBytes) = ColdRead.Read(files);
        table.Add(cold ? "read the model's files, cold (page cache dropped)" : "read the model's files, WARM (page cache not dropped: not root)",
            readSeconds, "s", $"{readBytes / 1e9:0.00} GB at {readBytes / 1e9 / readSeconds:0.00} GB/s; floor of the load");

        Console.Error.WriteLine("loading...");
        if (cold) ColdRead.DropPageCache();
        GC.Collect();
        ProcessMemory.ResetPeak();
        long residentBefore = ProcessMemory.PeakResidentBytes();
        var loadClock = System.Diagnostics.Stopwatch.StartNew();
        var model = LvmModel.Load(options.ModelDirectory, placement);
        double loadSeconds = loadClock.Elapsed.TotalSeconds;
        long peakAfterLoad = ProcessMemory.PeakResidentBytes();
        double transformerBytes = Bytes(model.Transformer), vqganBytes = Bytes(model.Tokenizer.Model);
        var config = model.Transformer.Config;
        string where = placement.Describe(model.Transformer.DType);
        table.Add($"load (LvmModel.Load, {where})", loadSeconds, "s",
            $"{loadSeconds / readSeconds:0.0}× the {(cold ? "cold" : "warm")} read (target ≤ 3×)");
        table.Add("peak RSS after load", peakAfterLoad / 1e9, "GB",
            $"model {(transformerBytes + vqganBytes) / 1e9:0.00} GB (transformer {transformerBytes / 1e9:0.00} + VQGAN {vqganBytes / 1e9:0.00}); " +
            $"peak − model − RSS before load ({residentBefore / 1e9:0.00}) = {(peakAfterLoad - residentBefore - transformerBytes - vqganBytes) / 1e9:0.00} GB");

        try
        {
            var dtype = model.Transformer.DType;
            Console.Error.WriteLine("matmul rate...");
            double matmul = MatmulCeiling.LinearGflopsPerSecond(device, dtype, RealSizeOptions.PromptTokens, config.HiddenSize, config.IntermediateSize) * 1e9;
            table.Add($"linear {RealSizeOptions.PromptTokens}×{config.HiddenSize}·{config.HiddenSize}×{config.IntermediateSize}, {WeightDType.NameOf(dtype)}",
                matmul / 1e9, "GFLOP/s", "floor of the prefill (best of 5)");
            var roofline = new DecodeRoofline(config, bandwidth, matmul, dtype == ScalarType.Float32 ? sizeof(float) : 2);
            AddGenerationRows(table, model, roofline, matmul, options.DecodeSteps, device);
            AddItemRow(table, model, roofline, options.Manifest);
        }
        finally
        {
            model.Dispose();
        }

        if (options.LvmCli is not null)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            AddChildRow(table, options, device);
        }
        return 0;
    }

    private static void AddGenerationRows(BenchTable table, LvmModel model, DecodeRoofline roofline, double flopsPerSecond, int steps, Device device)
    {
        const int prompt = RealSizeOptions.PromptTokens;
        var engine = new GenerationEngine(model.Transformer);
        var random = new Random(17);
        var ids = Enumerable.Range(0, prompt).Select(_ => (long)random.Next(model.CodebookSize)).ToArray();
        Console.Error.WriteLine("warm-up...");
        using (engine.Generate([ids[..16]], GenerationOptions.Greedy(2))) { }

        Console.Error.WriteLine($"prefill {prompt} + {steps} steps, 1 row...");
        var one = new StepClock(device);
        using (engine.Generate([ids], GenerationOptions.Greedy(steps + 1), one)) { }
        double prefillFloor = roofline.PrefillFlops(1, prompt) / flopsPerSecond;
        table.Add($"prefill {prompt} tokens, 1 row", prompt / one.FirstTokenSeconds, "tokens/s",
            $"{one.FirstTokenSeconds:0.00} s; floor {prefillFloor:0.00} s ({roofline.PrefillFlops(1, prompt) / 1e12:0.00} TFLOP at the linear rate) = {100 * prefillFloor / one.FirstTokenSeconds:0} % of it");
        AddStepRow(table, "decode step, 1 row", one.MeanStepSeconds, roofline, candidates: 1, steps);

        Console.Error.WriteLine($"prefill {prompt} + {steps} steps, 8 candidate rows...");
        var eight = new StepClock(device);
        var sampled = new GenerationOptions(steps + 1, new Sampling(Temperature: 1f), Candidates: 8);
        using (engine.Generate([ids], sampled, eight)) { }
        AddStepRow(table, "decode step, 8 rows (1 prompt × 8 candidates, shared prompt cache)", eight.MeanStepSeconds, roofline, candidates: 8, steps);
    }

    private static void AddStepRow(BenchTable table, string name, double seconds, DecodeRoofline roofline, int candidates, int steps)
    {
        const int prompt = RealSizeOptions.PromptTokens;
        double floor = Enumerable.Range(0, steps).Average(s => roofline.StepFloorSeconds(1, candidates, prompt, s, shared: true));
        double kv = Enumerable.Range(0, steps).Average(s => roofline.StepBytes(1, candidates, prompt, s, shared: true)) - roofline.WeightBytes;
        table.Add(name, seconds * 1e3, "ms",
            $"floor {floor * 1e3:0.0} ms ({roofline.WeightBytes / 1e9:0.00} GB weights + {kv / 1e6:0.0} MB KV at the read bandwidth); " +
            $"{seconds / floor:0.00}× the floor{(candidates == 1 ? " (target ≤ 1.5×)" : "")}");
    }

    private static void AddItemRow(BenchTable table, LvmModel model, DecodeRoofline roofline, string manifestPath)
    {
        Console.Error.WriteLine("whole item...");
        var manifest = BatchManifestParser.Parse(File.ReadAllText(manifestPath));
        if (manifest.Items.Count == 0)
            throw new InvalidDataException($"'{manifestPath}' holds no valid item: {string.Join("; ", manifest.Invalid.Select(i => i.Error))}");
        var inputs = new FolderStore(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, "inputs"));
        string outDir = Directory.CreateTempSubdirectory("lvm-realsize-item-").FullName;
        try
        {
            var runner = new BatchItemRunner(new CompletionPipeline(model));
            GC.Collect();
            ProcessMemory.ResetPeak();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var runs = runner.RunAsync(manifest.Items, inputs, new FolderStore(outDir)).GetAwaiter().GetResult();
            double seconds = clock.Elapsed.TotalSeconds;
            long peak = ProcessMemory.PeakResidentBytes();
            var item = manifest.Items[0];
            var record = runs[0].Record;
            if (record.Status != ResultStatus.Succeeded || record.Timings is null)
            {
                table.Add("whole item", seconds, "s", $"FAILED: {record.ErrorCode}: {record.Error}");
                return;
            }
            int promptTokens = item.Input.Count * model.TokensPerImage, newTokens = item.Generation.NewFrames * model.TokensPerImage;
            double floor = roofline.GenerationFloorSeconds(1, item.Generation.Candidates, promptTokens, newTokens, shared: true);
            var t = record.Timings;
            table.Add($"whole item, {item.Input.Count} frames → {item.Generation.NewFrames} frame, {model.Resolution} px (BatchItemRunner, as lvm complete)", seconds, "s",
                $"tokenize {t.TokenizeMs / 1e3:0.0} s, generate {t.GenerateMs / 1e3:0.0} s ({promptTokens} + {newTokens} tokens; floor {floor:0.0} s), " +
                $"decode {t.DecodeMs / 1e3:0.0} s; peak RSS {peak / 1e9:0.00} GB");
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    private static void AddChildRow(BenchTable table, RealSizeOptions options, Device device)
    {
        Console.Error.WriteLine("lvm complete as a child process...");
        string outDir = Directory.CreateTempSubdirectory("lvm-realsize-cli-").FullName;
        try
        {
            bool dll = options.LvmCli!.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
            var arguments = (dll ? [options.LvmCli] : Array.Empty<string>()).Concat(
                ["complete", options.Manifest, "--out", outDir, "--model", options.ModelDirectory, "--dtype", options.DType, "--device", device.type.ToString().ToLowerInvariant()]);
            var result = ChildPeakMemory.Run(dll ? "dotnet" : options.LvmCli, arguments);
            table.Add("lvm complete, same item (child process, start to exit)", result.Seconds, "s",
                result.ExitCode == 0
                    ? $"peak RSS (VmHWM) {result.PeakResidentBytes / 1e9:0.00} GB"
                    : $"exit {result.ExitCode}, peak RSS {result.PeakResidentBytes / 1e9:0.00} GB: {result.OutputTail.Split('\n').LastOrDefault()}");
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>Bytes of a module's parameters and buffers as they are held.</summary>
    private static double Bytes(nn.Module module) =>
        module.parameters().Sum(p => (double)p.numel() * p.element_size()) + module.buffers().Sum(b => (double)b.numel() * b.element_size());
}
