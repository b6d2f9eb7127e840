using System.Runtime.InteropServices;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/LvmCloud.Bench -- [--quick]</c>: prints a Markdown table of GEMM ceiling,
/// generation tokens/s (full recompute vs KV cache, batch 1 vs 8), prefill GFLOP/s and VQGAN images/s.
/// <c>--vqgan-memory</c>: the VQGAN at the LVM preset with intermediates kept against freed at last use.
/// <c>--decode</c>: only the ceilings and the decode-step roofline rows.
/// <c>--load</c>: a generated checkpoint loaded the pre-streaming way against the streamed loader (time, peak RSS).
/// <c>--half</c>: bfloat16 decoder layers at LVM 1B and 7B sizes, half-precision kernel against libtorch.
/// <c>--prefill-linear</c>: a 768-row half-precision linear at 7B shapes, libtorch's GEMM against widened float32 blocks.
/// <c>--device cpu|cuda</c>: where the models run (default cpu).
/// <c>--real-size DIR [--dtype D] [--decode-steps N] [--manifest PATH] [--lvm-cli PATH]</c>: load, prefill, decode and
/// whole-item rows of a real-size model, each beside its floor measured in the same run.
/// <c>make-checkpoint SIZE OUT_DIR</c>: writes a random-weight model folder of a real size (<see cref="RealSize.RealCheckpointMaker"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        TorchRuntime.EnsureLoaded();
        if (args.FirstOrDefault() == "make-checkpoint") return RealSize.RealCheckpointMaker.Run(args);
        set_num_threads(Environment.ProcessorCount);
        manual_seed(0);
        Device device;
        try
        {
            device = DeviceOption(args);
        }
        catch (Exception e) when (e is ArgumentException or DeviceUnavailableException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        if (args.Contains("--real-size"))
            return RunRealSize(args, device);
        const int promptLength = 448;
        int newTokens = quick ? 16 : 64, repetitions = quick ? 1 : 2;

        var table = new BenchTable();
        if (args.Contains("--load"))
        {
            Console.Error.WriteLine("checkpoint load, old against streamed...");
            LoadBench.Run(table);
            table.Print(Console.Out);
            return 0;
        }
        if (args.Contains("--prefill-linear"))
        {
            Console.Error.WriteLine("prefill-sized half-precision linear, libtorch against widened blocks...");
            PrefillLinearBench.Run(table, repetitions: quick ? 2 : 5);
            table.Print(Console.Out);
            return 0;
        }
        if (args.Contains("--vqgan-memory"))
        {
            Console.Error.WriteLine("VQGAN lvm, intermediates kept against freed...");
            VqganMemoryBench.Run(table, VqganPresets.Lvm, batch: 4, repetitions: quick ? 1 : 2);
            table.Print(Console.Out);
            return 0;
        }
        if (args.Contains("--half"))
        {
            Console.Error.WriteLine("memory bandwidth...");
            double readRate = MemoryBandwidth.BytesPerSecond(device);
            table.Add("float32 read bandwidth (sum of 512 MiB, best of 10)", readRate / 1e9, "GB/s", "the floors' read rate");
            foreach (var size in new[] { "vqlm_1b", "vqlm_7b" })
                HalfDecodeBench.Run(table, size, readRate, repetitions: quick ? 3 : 10);
            table.Print(Console.Out);
            return 0;
        }
        Console.Error.WriteLine("matmul ceiling...");
        double ceiling = MatmulCeiling.GflopsPerSecond(device);
        table.Add("float32 matmul 1024³ (best of 10)", ceiling, "GFLOP/s", "ceiling");
        Console.Error.WriteLine("memory bandwidth...");
        double bandwidth = MemoryBandwidth.BytesPerSecond(device);
        table.Add("float32 read bandwidth (sum of 512 MiB, best of 10)", bandwidth / 1e9, "GB/s", "ceiling for decode steps");

        var preset = LlamaPresets.All.Single(p => p.Name == "bench_20m");
        using var model = new LlamaForCausalLM(preset.Config, device);
        model.eval();
        var generation = new GenerationBench(model, promptLength, newTokens);
        if (args.Contains("--decode"))
        {
            Console.Error.WriteLine("decode roofline...");
            DecodeRooflineRows.Add(table, generation, new DecodeRoofline(preset.Config, bandwidth, ceiling * 1e9), promptLength, newTokens, repetitions);
            table.Print(Console.Out);
            return 0;
        }
        Console.Error.WriteLine("generation...");
        if (!generation.KvCacheMatchesFullRecompute(4))
        {
            Console.Error.WriteLine("error: the KV-cache engine and the full-recompute baseline disagree");
            return 1;
        }
        double full = generation.FullRecomputeTokensPerSecond(1);
        var (kv1Seconds, kv1Prefill) = generation.KvCacheSeconds(1, repetitions);
        var (kv8Seconds, kv8Prefill) = generation.KvCacheSeconds(8, repetitions);
        double kv1 = newTokens / kv1Seconds, kv8 = 8 * newTokens / kv8Seconds;
        double decode1 = (newTokens - 1) / (kv1Seconds - kv1Prefill), decode8 = 8 * (newTokens - 1) / (kv8Seconds - kv8Prefill);
        string shape = $"bench_20m ({preset.ParameterCount / 1e6:0.0}M), prompt {promptLength}, {newTokens} new, greedy";
        table.Add("generate, full recompute, batch 1", full, "tokens/s", shape);
        table.Add("generate, KV cache, batch 1", kv1, "tokens/s", shape);
        table.Add("generate, KV cache, batch 8", kv8, "tokens/s", shape + ", 8 prompts");
        table.Add("KV cache / full recompute (batch 1)", kv1 / full, "×", "target ≥ 5×");
        table.Add("batch 8 / batch 1 (KV cache)", kv8 / kv1, "×", "target ≥ 3×; prefill included");
        table.Add("prefill share of KV time, batch 1 / batch 8", 100 * kv1Prefill / kv1Seconds, "%",
            $"batch 8: {100 * kv8Prefill / kv8Seconds:0} %");
        table.Add("decode steps only, KV cache, batch 1", decode1, "tokens/s", "(N−1) tokens / (time − time of a 1-token run)");
        table.Add("decode steps only, KV cache, batch 8", decode8, "tokens/s", $"batch 8 / batch 1 = {decode8 / decode1:0.0}×");

        Console.Error.WriteLine("decode roofline...");
        DecodeRooflineRows.Add(table, generation, new DecodeRoofline(preset.Config, bandwidth, ceiling * 1e9), promptLength, newTokens, repetitions);

        Console.Error.WriteLine("prefill...");
        double prefill = generation.PrefillSeconds(8, repetitions);
        double prefillGflops = generation.PrefillFlops(8) / prefill / 1e9;
        table.Add("prefill 8 × 448 tokens", 8 * promptLength / prefill, "tokens/s", "one causal forward, full logits");
        table.Add("prefill achieved", prefillGflops, "GFLOP/s", "2·weights·tokens + causal attention");
        table.Add("prefill / matmul ceiling", 100 * prefillGflops / ceiling, "%");

        foreach (var (name, config, batch, reps) in new[]
                 {
                     ("lvm", VqganPresets.Lvm, quick ? 1 : 2, 1),
                     ("small", VqganPresets.Small, 8, repetitions),
                 })
        {
            Console.Error.WriteLine($"VQGAN {name}...");
            var (encode, decode) = VqganBench.Run(config, batch, reps, device);
            string notes = $"{config.Resolution}×{config.Resolution}, batch {batch}, random weights";
            table.Add($"VQGAN {name} encode", encode, "images/s", notes);
            table.Add($"VQGAN {name} decode", decode, "images/s", notes);
        }

        if (!quick)
        {
            Console.Error.WriteLine("VQGAN lvm, intermediates kept against freed...");
            VqganMemoryBench.Run(table, VqganPresets.Lvm, batch: 4, repetitions: 1);
        }

        Console.WriteLine($"Machine: {Environment.ProcessorCount} logical CPUs, torch threads {get_num_threads()}, " +
                          $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, device {device.type}, CUDA {(cuda.is_available() ? "available" : "not available")}");
        Console.WriteLine();
        table.Print(Console.Out);
        return 0;
    }

    /// <summary><c>--real-size DIR</c>: the real-size rows (<see cref="RealSize.RealSizeBench"/>) under the machine line.</summary>
    private static int RunRealSize(string[] args, Device device)
    {
        RealSize.RealSizeOptions options;
        try
        {
            options = RealSize.RealSizeOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        var table = new BenchTable();
        string machine = RealSize.MachineDescription.Describe(device);
        int exit = RealSize.RealSizeBench.Run(options, device, table);
        Console.WriteLine(machine);
        Console.WriteLine($"Model: {Path.GetFullPath(options.ModelDirectory)}, --dtype {options.DType}, {options.DecodeSteps} decode steps per row");
        Console.WriteLine();
        table.Print(Console.Out);
        return exit;
    }

    /// <summary>The <c>--device</c> value (default cpu), resolved as the CLI resolves it.</summary>
    private static Device DeviceOption(string[] args)
    {
        int at = Array.IndexOf(args, "--device");
        return ComputeDevice.Resolve(at >= 0 && at + 1 < args.Length ? args[at + 1] : ComputeDevice.Cpu, "--device");
    }
}
