using System.Diagnostics;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// <c>make-checkpoint SIZE OUT_DIR [--seed N]</c>: a random-weight model folder laid out like LVM's release —
/// <c>transformer/</c> (Hugging Face config.json, float16 safetensors split as <c>save_pretrained(max_shard_size="5GB")</c>
/// splits them, with <c>model.safetensors.index.json</c> when there are several), <c>tokenizer/</c> (open-muse VQGAN
/// config.json of LVM and a float32 <c>pytorch_model.bin</c> in torch.save's zip format), <c>lvm.json</c>, and
/// <c>bench-item/</c> (a three-frame 256 px manifest for the whole-item row). The safetensors are streamed: memory is
/// one 16 MB chunk whatever the size; the VQGAN is built in memory (~0.6 GB).
/// </summary>
public static class RealCheckpointMaker
{
    public static int Run(string[] args)
    {
        var positional = new List<string>();
        ulong seed = 0;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--seed" && i + 1 < args.Length && ulong.TryParse(args[i + 1], out seed)) i++;
            else positional.Add(args[i]);
        }
        if (positional.Count != 2)
        {
            Console.Error.WriteLine($"usage: make-checkpoint SIZE OUT_DIR [--seed N]   (SIZE: {string.Join(" | ", RealCheckpointSize.All.Select(s => s.Name))})");
            return 2;
        }
        RealCheckpointSize size;
        try
        {
            size = RealCheckpointSize.ByName(positional[0]);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        string outDir = Path.GetFullPath(positional[1]);
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
        {
            Console.Error.WriteLine($"error: '{outDir}' exists and is not empty; remove it or name a new folder (old shards of another size would mix with the new ones).");
            return 2;
        }

        var config = size.Config;
        var tensors = HfLlamaTensors.StateDictOrder(config);
        long transformerBytes = tensors.Sum(t => t.Bytes);
        long vqganBytes = VqganParameterCount.Of(VqganPresets.Lvm) * sizeof(float);
        Directory.CreateDirectory(outDir);
        long free = new DriveInfo(outDir).AvailableFreeSpace;
        if (free < transformerBytes + vqganBytes + (64L << 20))
        {
            Console.Error.WriteLine($"error: '{outDir}' has {free / 1e9:0.0} GB free; the {size.Name} checkpoint needs {(transformerBytes + vqganBytes) / 1e9:0.0} GB. Choose a folder on a disk with more room.");
            return 2;
        }
        Console.Error.WriteLine($"{size.Name}: {size.Description}; {config.ParameterCount / 1e9:0.000}B transformer parameters, " +
                                $"{transformerBytes / 1e9:0.00} GB float16 + VQGAN {vqganBytes / 1e9:0.00} GB float32 -> {outDir}");

        var total = Stopwatch.StartNew();
        var written = new List<(string File, long Bytes, double Seconds)>();
        string transformerDir = Path.Combine(outDir, LvmModel.TransformerFolder);
        Directory.CreateDirectory(transformerDir);
        File.WriteAllText(Path.Combine(transformerDir, "config.json"), HfConfigJson.Of(config));
        var shards = HfShardPlan.Split(tensors, size.MaxShardBytes);
        var weights = new RandomHalfWeights(seed);
        for (int i = 0; i < shards.Count; i++)
        {
            string name = HfShardPlan.FileName(i, shards.Count);
            var clock = Stopwatch.StartNew();
            long bytes = SafetensorsStreamWriter.Write(Path.Combine(transformerDir, name), shards[i], weights.Fill,
                new Dictionary<string, string> { ["format"] = "pt" });
            written.Add(($"{LvmModel.TransformerFolder}/{name}", bytes, clock.Elapsed.TotalSeconds));
            Console.Error.WriteLine($"  {written[^1].File}: {bytes / 1e9:0.000} GB in {written[^1].Seconds:0.0} s");
        }
        if (shards.Count > 1)
            File.WriteAllText(Path.Combine(transformerDir, CheckpointFiles.SafetensorsIndex), HfShardPlan.IndexJson(shards));

        written.Add(WriteTokenizer(Path.Combine(outDir, LvmModel.TokenizerFolder), (long)seed));
        Console.Error.WriteLine($"  {written[^1].File}: {written[^1].Bytes / 1e9:0.000} GB in {written[^1].Seconds:0.0} s");
        new LvmModelSettings(ContextFrames: 16, Name: $"lvm-{size.Name}-random", Version: "1").Save(outDir);
        string manifest = BenchItemManifest.Write(Path.Combine(outDir, BenchItemManifest.FolderName), VqganPresets.Lvm.Resolution);

        double seconds = total.Elapsed.TotalSeconds;
        long all = written.Sum(w => w.Bytes);
        Console.WriteLine($"| file | GB | s |");
        Console.WriteLine($"|---|---:|---:|");
        foreach (var (file, bytes, s) in written) Console.WriteLine($"| {file} | {bytes / 1e9:0.000} | {s:0.0} |");
        Console.WriteLine($"| all | {all / 1e9:0.000} | {seconds:0.0} |");
        Console.WriteLine();
        Console.WriteLine($"wrote {all / 1e9:0.00} GB in {seconds:0.0} s ({all / 1e9 / seconds:0.00} GB/s); model folder {outDir}; item manifest {manifest}");
        return 0;
    }

    /// <summary>LVM's VQGAN config and random float32 weights as a torch.save zip (what open-muse's release holds).</summary>
    private static (string File, long Bytes, double Seconds) WriteTokenizer(string directory, long seed)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(directory);
        VqganPresets.Lvm.Save(Path.Combine(directory, VqganTokenizer.ConfigFileName));
        manual_seed(seed);
        string path = Path.Combine(directory, CheckpointFiles.PyTorchBin);
        using (var model = new VqganModel(VqganPresets.Lvm))
        {
            Console.Error.WriteLine($"  VQGAN built with random weights in {clock.Elapsed.TotalSeconds:0.0} s; writing...");
            model.save_py(path);
        }
        StoredZip.Rewrite(path);
        return ($"{LvmModel.TokenizerFolder}/{CheckpointFiles.PyTorchBin}", new FileInfo(path).Length, clock.Elapsed.TotalSeconds);
    }
}
