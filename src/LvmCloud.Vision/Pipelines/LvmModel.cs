using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Pipelines;

/// <summary>
/// A complete LVM: the VQGAN tokenizer, the transformer and their settings, loaded from one folder
/// (<c>tokenizer/</c>, <c>transformer/</c>, <c>lvm.json</c>) — the layout of the <c>models</c> container.
/// </summary>
public sealed class LvmModel : IDisposable
{
    public const string TokenizerFolder = "tokenizer";
    public const string TransformerFolder = "transformer";

    public LvmModel(VqganTokenizer tokenizer, LlamaForCausalLM transformer, LvmModelSettings settings)
    {
        long codes = tokenizer.Config.NumEmbeddings;
        if (transformer.Config.VocabSize < codes)
            throw new InvalidDataException(
                $"The transformer's vocabulary ({transformer.Config.VocabSize}) is smaller than the tokenizer's codebook ({codes}): they do not belong together.");
        int contextTokens = settings.ContextFrames * tokenizer.Config.TokensPerImage;
        if (contextTokens > transformer.Config.MaxPositionEmbeddings)
            throw new InvalidDataException(
                $"context_frames {settings.ContextFrames} x {tokenizer.Config.TokensPerImage} tokens = {contextTokens} exceeds the transformer's max_position_embeddings {transformer.Config.MaxPositionEmbeddings}.");
        Tokenizer = tokenizer;
        Transformer = transformer;
        Settings = settings;
    }

    public VqganTokenizer Tokenizer { get; }
    public LlamaForCausalLM Transformer { get; }
    public LvmModelSettings Settings { get; }

    /// <summary>The memory plan the model was loaded by (<see cref="Load(string, ModelPlacement)"/>); null for a model built in code, whose batches are not sized from memory.</summary>
    public MemoryPlan? Plan { get; init; }

    /// <summary>Side of the square images the tokenizer reads and writes.</summary>
    public int Resolution => Tokenizer.Config.Resolution;
    public int TokensPerImage => Tokenizer.Config.TokensPerImage;
    public int CodebookSize => (int)Tokenizer.Config.NumEmbeddings;

    /// <summary>The model in <paramref name="directory"/>, in float32 on <paramref name="device"/> (the CPU by default).</summary>
    public static LvmModel Load(string directory, Device? device = null) =>
        Load(directory, device is null ? ModelPlacement.CpuFloat32 : new ModelPlacement(device, WeightDType.Float32));

    /// <summary>
    /// The model in <paramref name="directory"/> on <paramref name="placement"/>'s device, after its memory plan
    /// (<see cref="ModelPlacement.PlanModel"/>, from configs and headers only) showed that one row at the full context
    /// fits: the transformer in the dtype the plan chooses, the VQGAN in float32.
    /// </summary>
    /// <exception cref="ModelDoesNotFitException">It does not fit; nothing was loaded.</exception>
    public static LvmModel Load(string directory, ModelPlacement placement)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        string tokenizerDir = Path.Combine(directory, TokenizerFolder), transformerDir = Path.Combine(directory, TransformerFolder);
        if (!Directory.Exists(tokenizerDir) || !Directory.Exists(transformerDir))
            throw new DirectoryNotFoundException($"Model folder '{directory}' must hold '{TokenizerFolder}/' and '{TransformerFolder}/' (each a config.json plus weights).");
        var plan = placement.PlanModel(directory).EnsureFits();
        var tokenizer = placement.LoadTokenizer(tokenizerDir);
        try
        {
            var transformer = placement.LoadTransformer(transformerDir, plan);
            transformer.eval();
            return new LvmModel(tokenizer, transformer, LvmModelSettings.Load(directory)) { Plan = plan };
        }
        catch
        {
            tokenizer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What loading cost, for the model line of the CLI and the worker's log: "transformer loaded 13.1 GB in 31.0 s
    /// (0.42 GB/s); VQGAN loaded 0.585 GB in 1.9 s (0.31 GB/s)"; null for a model that was not loaded from files.
    /// </summary>
    public string? DescribeLoad()
    {
        var parts = new List<string>();
        if (Transformer.LoadStatistics is { } transformer) parts.Add($"transformer {transformer}");
        if (Tokenizer.LoadStatistics is { } tokenizer) parts.Add($"VQGAN {tokenizer}");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>Writes the model in the folder layout <see cref="Load"/> reads.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string tokenizerDir = Path.Combine(directory, TokenizerFolder);
        Directory.CreateDirectory(tokenizerDir);
        Tokenizer.Config.Save(Path.Combine(tokenizerDir, VqganTokenizer.ConfigFileName));
        Checkpoints.CheckpointWriter.Save(Tokenizer.Model, tokenizerDir);
        Transformer.SavePretrained(Path.Combine(directory, TransformerFolder));
        Settings.Save(directory);
    }

    public void Dispose()
    {
        Tokenizer.Dispose();
        Transformer.Dispose();
    }
}
