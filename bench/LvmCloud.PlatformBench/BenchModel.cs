using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.PlatformBench;

/// <summary>The tiny random-weight model the benchmark runs: Tiny VQGAN (16 px, 64 tokens) and a 2-layer transformer.</summary>
internal static class BenchModel
{
    public const string Name = "bench-tiny";
    public const string Version = "1";
    public const int Resolution = 16;

    /// <summary>Saves the model as <paramref name="root"/>/bench-tiny/1 (the layout the worker loads).</summary>
    public static void Save(string root)
    {
        manual_seed(0);
        using var model = new LvmModel(
            new VqganTokenizer(new VqganModel(VqganPresets.Tiny)),
            new LlamaForCausalLM(new LlamaConfig(72, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 4 * 64)),
            new LvmModelSettings(ContextFrames: 4, Name, Version));
        model.Save(Path.Combine(root, Name, Version));
    }

    /// <summary>
    /// A random-weight VQGAN of the named preset saved as <paramref name="root"/>/bench-{preset}/1/tokenizer (a
    /// tokenizer-only model folder): for measuring tokenization where the encoder's cost is what a real tokenizer's is.
    /// </summary>
    public static Platform.Queues.ModelReference SaveTokenizer(string root, string preset)
    {
        manual_seed(0);
        using var tokenizer = new VqganTokenizer(new VqganModel(VqganPresets.ByName(preset)));
        var reference = new Platform.Queues.ModelReference($"bench-{preset.ToLowerInvariant()}", "1");
        var folder = Path.Combine(root, reference.Name, reference.Version, LvmModel.TokenizerFolder);
        Directory.CreateDirectory(folder);
        tokenizer.Config.Save(Path.Combine(folder, VqganTokenizer.ConfigFileName));
        Vision.Checkpoints.CheckpointWriter.Save(tokenizer.Model, folder);
        return reference;
    }
}
