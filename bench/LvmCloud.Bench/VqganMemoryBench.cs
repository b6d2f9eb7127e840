using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// <c>--vqgan-memory</c>: VQGAN encode and decode at the LVM preset with intermediates kept to the end of each block's
/// scope (the old path, <see cref="VqganMemory.FreeEarly"/> off) and freed at their last use (on), side by side in one
/// process, alternating, best of the repetitions: images/s, minor page faults per call and the peak resident memory
/// above the state before the call.
/// </summary>
public static class VqganMemoryBench
{
    public static void Run(BenchTable table, VqganConfig config, int batch, int repetitions)
    {
        using var tokenizer = new VqganTokenizer(new VqganModel(config), maxBatchSize: batch);
        using var scope = NewDisposeScope();
        var images = rand(batch, config.NumChannels, config.Resolution, config.Resolution); // (B, C, H, W)
        var codes = tokenizer.Encode(images);                                                // warm-up, (B, n)
        using (tokenizer.Decode(codes)) { }

        var results = new Dictionary<(string Op, bool FreeEarly), Measurement>();
        for (int r = 0; r < repetitions; r++)
            foreach (var freeEarly in new[] { false, true })
            {
                VqganMemory.FreeEarly = freeEarly;
                Keep(results, ("encode", freeEarly), Measure(() => { using var c = tokenizer.Encode(images); }));
                Keep(results, ("decode", freeEarly), Measure(() => { using var x = tokenizer.Decode(codes); }));
            }
        VqganMemory.FreeEarly = true;

        string notes = $"{config.Resolution}×{config.Resolution}, batch {batch}, best of {repetitions}";
        foreach (var op in new[] { "encode", "decode" })
        {
            var (before, after) = (results[(op, false)], results[(op, true)]);
            table.Add($"VQGAN lvm {op}, kept to scope end", batch / before.Seconds, "images/s", notes);
            table.Add($"VQGAN lvm {op}, freed at last use", batch / after.Seconds, "images/s", notes);
            table.Add($"VQGAN lvm {op} speed-up", before.Seconds / after.Seconds, "x", "same process, alternating");
            table.Add($"VQGAN lvm {op} page faults, kept / freed", before.Faults / 1e6, "M", $"freed: {after.Faults / 1e6:F2} M");
            table.Add($"VQGAN lvm {op} peak memory above start, kept", before.PeakBytes / 1e9, "GB", $"freed: {after.PeakBytes / 1e9:F2} GB");
        }
    }

    private sealed record Measurement(double Seconds, long Faults, long PeakBytes);

    private static void Keep(Dictionary<(string, bool), Measurement> results, (string, bool) key, Measurement m) =>
        results[key] = results.TryGetValue(key, out var best) && best.Seconds <= m.Seconds ? best with { Faults = Math.Min(best.Faults, m.Faults), PeakBytes = Math.Min(best.PeakBytes, m.PeakBytes) } : m;

    private static Measurement Measure(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ProcessMemory.ResetPeak();
        long startResident = ProcessMemory.PeakResidentBytes();
        long faults = ProcessMemory.MinorFaults();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        action();
        double seconds = clock.Elapsed.TotalSeconds;
        return new Measurement(seconds, ProcessMemory.MinorFaults() - faults, ProcessMemory.PeakResidentBytes() - startResident);
    }
}
