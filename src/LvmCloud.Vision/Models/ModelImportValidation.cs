using System.Text.Json;
using System.Text.RegularExpressions;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Models;

/// <summary>
/// The checks of <see cref="ModelImporter"/>, from configs and checkpoint headers alone: each checkpoint against the
/// tensors its config implies (<see cref="ExpectedTensors"/>), then the pair against each other.
/// </summary>
public static partial class ModelImportValidation
{
    /// <summary>The platform's rule for a model name or version (a folder name in the <c>models</c> container).</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SegmentPattern();

    /// <summary>What passed: the configs, the files to place (names in each folder) and how many tensors were checked.</summary>
    public sealed record Validated(
        LlamaConfig Transformer,
        VqganConfig Tokenizer,
        IReadOnlyList<string> TransformerFiles,
        IReadOnlyList<string> TokenizerFiles,
        int TransformerTensors,
        int TokenizerTensors);

    /// <summary>Checks both folders; throws <see cref="ModelImportException"/> listing every problem found.</summary>
    public static Validated Validate(ModelImportRequest request)
    {
        var problems = new List<string>();
        var transformer = Config(() => LlamaConfig.Load(Path.Combine(request.TransformerDirectory, "config.json")).Validate(), "transformer", problems);
        var tokenizer = Config(() => VqganConfig.Load(Path.Combine(request.TokenizerDirectory, VqganTokenizer.ConfigFileName)), "tokenizer", problems);

        var transformerFiles = Weights(request.TransformerDirectory, "transformer", problems);
        var tokenizerFiles = Weights(request.TokenizerDirectory, "tokenizer", problems);
        int transformerTensors = 0, tokenizerTensors = 0;
        if (transformer is not null && transformerFiles is not null)
            transformerTensors = Compare("transformer", ExpectedTensors.Of(transformer), transformerFiles, problems);
        if (tokenizer is not null && tokenizerFiles is not null)
            tokenizerTensors = Compare("tokenizer", ExpectedTensors.Of(tokenizer), tokenizerFiles, problems);

        foreach (var (option, value) in new[] { ("--name", request.Name), ("--version", request.Version) })
            if (!SegmentPattern().IsMatch(value ?? "") || value!.Contains("..", StringComparison.Ordinal))
                problems.Add($"{option} '{value}' is not valid: 1-64 characters of A-Z a-z 0-9 . _ - (it names the model's folder in the models container)");
        if (request.ContextFrames < 2)
            problems.Add($"--context-frames {request.ContextFrames}: a model needs at least 2 (one prompt frame and one new frame)");
        if (transformer is not null && tokenizer is not null)
        {
            if (transformer.VocabSize < tokenizer.NumEmbeddings)
                problems.Add($"transformer/config.json vocab_size {transformer.VocabSize} is smaller than the tokenizer's codebook (tokenizer/config.json num_embeddings {tokenizer.NumEmbeddings}): they do not belong together");
            long contextTokens = (long)request.ContextFrames * tokenizer.TokensPerImage;
            if (contextTokens > transformer.MaxPositionEmbeddings)
                problems.Add($"context_frames {request.ContextFrames} x {tokenizer.TokensPerImage} tokens per image = {contextTokens} exceeds transformer/config.json max_position_embeddings {transformer.MaxPositionEmbeddings}; use --context-frames {transformer.MaxPositionEmbeddings / tokenizer.TokensPerImage} or less");
        }

        if (problems.Count > 0)
            throw new ModelImportException(
                $"Cannot import: {problems.Count} problem(s); nothing was written:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems.Take(40))}{(problems.Count > 40 ? Environment.NewLine + "  ..." : "")}",
                problems);
        return new Validated(transformer!, tokenizer!, FileNames(transformerFiles!), FileNames(tokenizerFiles!), transformerTensors, tokenizerTensors);
    }

    private static T? Config<T>(Func<T> load, string what, List<string> problems) where T : class
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or NotSupportedException or JsonException)
        {
            problems.Add($"{what}: {e.Message}");
            return null;
        }
    }

    private static CheckpointFiles? Weights(string directory, string what, List<string> problems)
    {
        try
        {
            return CheckpointFiles.Find(directory);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            problems.Add($"{what}: {e.Message}");
            return null;
        }
    }

    /// <summary>Adds a line per missing, misshapen or unexpected tensor; returns how many tensors were read from the headers.</summary>
    private static int Compare(string what, IReadOnlyDictionary<string, long[]> expected, CheckpointFiles files, List<string> problems)
    {
        IReadOnlyDictionary<string, HeaderTensor> stored;
        try
        {
            stored = CheckpointHeaders.Read(files);
        }
        catch (CheckpointException e)
        {
            problems.Add($"{what}: {e.Message}");
            return 0;
        }

        foreach (var (name, shape) in expected)
        {
            if (!stored.TryGetValue(name, out var found))
                problems.Add($"{what}: missing tensor '{name}': config.json implies {Text(shape)}, none of {string.Join(", ", files.Paths.Select(Path.GetFileName))} holds it");
            else if (!found.Shape.SequenceEqual(shape))
                problems.Add($"{what}/{found.File}: tensor '{name}' has shape {found.ShapeText}, config.json implies {Text(shape)}");
        }
        foreach (var (name, found) in stored)
            if (!expected.ContainsKey(name) && !CheckpointLoader.IsIgnorableExtra(name))
                problems.Add($"{what}/{found.File}: unexpected tensor '{name}' {found.ShapeText}: config.json implies no such tensor");
        return stored.Count;
    }

    /// <summary>The files a model folder needs: config.json, the index of a sharded checkpoint, the weight files.</summary>
    private static List<string> FileNames(CheckpointFiles files)
    {
        var directory = Path.GetDirectoryName(files.Paths[0])!;
        var names = new List<string> { "config.json" };
        foreach (var index in new[] { CheckpointFiles.SafetensorsIndex, CheckpointFiles.PyTorchBinIndex })
            if (File.Exists(Path.Combine(directory, index)) && files.Paths.Count > 0 && IsIndexOf(index, files.Format))
                names.Add(index);
        names.AddRange(files.Paths.Select(p => Path.GetFileName(p)));
        return names;
    }

    private static bool IsIndexOf(string index, CheckpointFormat format) =>
        format == CheckpointFormat.Safetensors ? index == CheckpointFiles.SafetensorsIndex : index == CheckpointFiles.PyTorchBinIndex;

    private static string Text(long[] shape) => "[" + string.Join(",", shape) + "]";
}
