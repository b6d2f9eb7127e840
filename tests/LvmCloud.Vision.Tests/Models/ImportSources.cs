using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Transformer;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Models;

/// <summary>
/// Two downloaded repositories laid out like the LVM release, at test size: a transformer folder (config.json, float16
/// safetensors shards + index) and a VQGAN folder (the fixture's open-muse config.json + float32 pytorch_model.bin).
/// </summary>
public sealed class ImportSources : IDisposable
{
    /// <summary>The fixture VQGAN: 32 px, 16 x 16 = 256 tokens per image, 64 codes.</summary>
    public const int TokensPerImage = 256;

    public ImportSources()
    {
        Directory.CreateDirectory(Transformer);
        Directory.CreateDirectory(Tokenizer);
        foreach (var file in Directory.EnumerateFiles(VqganFixture.Directory).Where(f => Path.GetFileName(f) is "config.json" or "pytorch_model.bin"))
            File.Copy(file, Path.Combine(Tokenizer, Path.GetFileName(file)));
        WriteTransformer(Config);
    }

    /// <summary>72 ids cover the 64 codes; 4 frames of 256 tokens fit the 1,024 positions.</summary>
    public static LlamaConfig Config { get; } = new(72, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 4 * TokensPerImage, TorchDtype: "float16");

    public string Root { get; } = Directory.CreateTempSubdirectory("lvm-import-").FullName;
    public string Transformer => Path.Combine(Root, "LVM_ckpts");
    public string Tokenizer => Path.Combine(Root, "vqvae_ckpts");
    public string Output => Path.Combine(Root, "models", "lvm-test");

    /// <summary>Replaces the transformer's weights with a model of <paramref name="weights"/> while config.json keeps saying <paramref name="config"/>.</summary>
    public void WriteTransformer(LlamaConfig config, LlamaConfig? weights = null)
    {
        manual_seed(3);
        using var model = new LlamaForCausalLM(weights ?? config);
        CheckpointWriter.Save(model, Transformer, maxShardBytes: 16 * 1024, ScalarType.Float16);
        config.Save(Path.Combine(Transformer, "config.json"));
    }

    /// <summary>Rewrites the transformer's weights as one safetensors file after <paramref name="edit"/> changes the state_dict.</summary>
    public void EditTransformer(Action<Dictionary<string, Tensor>> edit)
    {
        manual_seed(3);
        using var model = new LlamaForCausalLM(Config);
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        edit(state);
        foreach (var stale in Directory.EnumerateFiles(Transformer, "model*"))
            File.Delete(stale);
        Safetensors.SaveStateDict(Path.Combine(Transformer, CheckpointFiles.Safetensors), state);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
