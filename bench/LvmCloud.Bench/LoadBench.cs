using System.Diagnostics;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Transformer;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// A checkpoint load, old way against new, on a generated ~240 MB float16 checkpoint in 3 shards loaded as bfloat16:
/// the pre-streaming path (random-initialised module, each shard read whole by PyBridge, <c>copy_</c>) and
/// <see cref="LlamaForCausalLM.FromPretrained(string, Device?, ScalarType?)"/> (meta-built, streamed), each with its
/// wall time and the peak resident memory it added; the floor is reading the same files (warm page cache).
/// </summary>
public static class LoadBench
{
    private static readonly LlamaConfig Config = new(8292, 1024, 2816, 8, 8, 8, MaxPositionEmbeddings: 1024);

    public static void Run(BenchTable table)
    {
        string dir = Directory.CreateTempSubdirectory("lvm-load-bench-").FullName;
        try
        {
            using (var source = new LlamaForCausalLM(Config))
            {
                source.Config.Save(Path.Combine(dir, "config.json"));
                CheckpointWriter.Save(source, dir, maxShardBytes: 100_000_000, dtype: ScalarType.Float16);
            }

            var files = CheckpointFiles.Find(dir);
            long fileBytes = files.Paths.Sum(p => new FileInfo(p).Length);
            string notes = $"{Config.ParameterCount / 1e6:0}M params, fp16 on disk ({fileBytes / 1e6:0} MB, {files.Paths.Count} shards) -> bfloat16";
            double read = ReadSeconds(files);
            table.Add("load floor: read the files (page cache warm)", read, "s", notes);
            table.Add("load floor: first touch of the model's memory", FirstTouchSeconds(Config.ParameterCount), "s",
                "fill_ of a fresh bfloat16 tensor of the model's size (page faults)");

            LoadStatistics? stats = null;
            var (newSeconds, newPeak) = Measure(() =>
            {
                var model = LlamaForCausalLM.FromPretrained(dir, CPU, ScalarType.BFloat16);
                stats = model.LoadStatistics;
                return model;
            });
            table.Add("load, streamed (meta + file -> parameter)", newSeconds, "s",
                $"peak RSS +{newPeak / 1e6:0} MB; staging peak {stats!.PeakStagingBytes / 1e6:0.0} MB; {stats}");
            var (directSeconds, _) = Measure(() =>
            {
                var model = LlamaForCausalLM.FromPretrained(dir, CPU, ScalarType.Float16);
                stats = model.LoadStatistics;
                return model;
            });
            table.Add("load, streamed, float16 kept (read in place)", directSeconds, "s", $"{stats}");
            var (oldSeconds, oldPeak) = Measure(() => LoadTheOldWay(dir, files));
            table.Add("load, old (random init + whole shard + copy_)", oldSeconds, "s", $"peak RSS +{oldPeak / 1e6:0} MB");
            table.Add("streamed load / file read", newSeconds / read, "×", $"old: {oldSeconds / read:0.0}×");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double FirstTouchSeconds(long elements)
    {
        using var fresh = empty([elements], ScalarType.BFloat16);
        var clock = Stopwatch.StartNew();
        fresh.fill_(0);
        return clock.Elapsed.TotalSeconds;
    }

    private static double ReadSeconds(CheckpointFiles files)
    {
        var buffer = new byte[8 << 20];
        double best = double.MaxValue;
        for (int rep = 0; rep < 2; rep++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var path in files.Paths)
            {
                using var stream = File.OpenRead(path);
                while (stream.Read(buffer) > 0)
                {
                }
            }

            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }

    /// <summary>Wall time of <paramref name="load"/> and the peak resident memory above what the process held before it.</summary>
    private static (double Seconds, long PeakBytes) Measure(Func<nn.Module> load)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ProcessMemory.ResetPeak();
        long before = ProcessMemory.PeakResidentBytes();
        var clock = Stopwatch.StartNew();
        var model = load();
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = ProcessMemory.PeakResidentBytes() - before;
        model.Dispose();
        return (seconds, peak);
    }

    private static LlamaForCausalLM LoadTheOldWay(string dir, CheckpointFiles files)
    {
        var model = new LlamaForCausalLM(LlamaConfig.Load(dir), CPU, ScalarType.BFloat16);
        var targets = model.state_dict();
        using (no_grad())
        {
            foreach (var path in files.Paths)
            {
                var shard = Safetensors.LoadStateDict(path);
                foreach (var (name, t) in shard)
                {
                    targets[name].copy_(t);
                    t.Dispose();
                }
            }
        }

        model.eval();
        return model;
    }
}
