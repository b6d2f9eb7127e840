using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Models;

/// <summary>
/// Assembles a model folder (<c>tokenizer/</c>, <c>transformer/</c>, <c>lvm.json</c>) from the two downloaded Hugging Face
/// repositories as they are. Both are validated against their configs from headers alone (no weight is read): every
/// tensor the config implies is present with its shape, nothing unexpected is there, and the pair fits together
/// (vocabulary covers the codebook, the context fits the positions). The folder is built in a staging folder beside
/// the output and moved into place last, so a failed import writes nothing at the output path.
/// </summary>
public static class ModelImporter
{
    /// <summary>Assembles and validates; throws <see cref="ModelImportException"/> listing every problem.</summary>
    public static ModelImportResult Import(ModelImportRequest request)
    {
        var output = Path.GetFullPath(request.OutputDirectory);
        if (Directory.Exists(output) || File.Exists(output))
            throw new IOException($"'{request.OutputDirectory}' already exists: give a new folder for the model (an import never overwrites).");
        var validated = ModelImportValidation.Validate(request);

        var staging = output + ".import-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var files = new List<ImportedFile>();
            Place(validated.TransformerFiles, request.TransformerDirectory, Path.Combine(staging, LvmModel.TransformerFolder), LvmModel.TransformerFolder, files);
            Place(validated.TokenizerFiles, request.TokenizerDirectory, Path.Combine(staging, LvmModel.TokenizerFolder), LvmModel.TokenizerFolder, files);
            var settings = new LvmModelSettings(request.ContextFrames, request.Name, request.Version);
            settings.Save(staging);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            Directory.Move(staging, output);
            return new ModelImportResult(output, settings, validated.Transformer, validated.Tokenizer,
                validated.TransformerTensors, validated.TokenizerTensors, files);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static void Place(IReadOnlyList<string> names, string sourceDirectory, string targetDirectory, string folder, List<ImportedFile> files)
    {
        Directory.CreateDirectory(targetDirectory);
        foreach (var name in names)
        {
            var source = Path.Combine(sourceDirectory, name);
            bool linked = FilePlacement.LinkOrCopy(source, Path.Combine(targetDirectory, name));
            files.Add(new ImportedFile($"{folder}/{name}", new FileInfo(source).Length, linked));
        }
    }
}
