using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Models;

/// <summary>
/// The registered models: <c>models/{name}/{version}/</c> prefixes holding <c>lvm.json</c> (with <c>tokenizer/</c> and
/// <c>transformer/</c>). A model is registered once its <c>lvm.json</c> exists; a training run writes it last, so a
/// half-written model is never listed or accepted. The intake's default model (the bundled one, which a local worker
/// finds in its own folder) is always accepted.
/// </summary>
public sealed partial class ModelRegistry(StorageClients clients, IOptions<IntakeOptions> intake)
{
    public const string SettingsFileName = "lvm.json";
    public const string CardFileName = "README.md";
    public const string TrainingFileName = "training.json";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\.(png|json|md)$")]
    private static partial Regex ModelFilePattern();

    public static string Prefix(ModelReference model) => $"{model.Name}/{model.Version}/";

    /// <summary>The model a batch runs on unless it names one (<c>Intake:DefaultModelName/Version</c>).</summary>
    public ModelReference Default => new(intake.Value.DefaultModelName, intake.Value.DefaultModelVersion);

    public bool IsDefault(ModelReference model) =>
        model.Name == intake.Value.DefaultModelName && model.Version == intake.Value.DefaultModelVersion;

    public async Task<bool> IsRegisteredAsync(ModelReference model, CancellationToken cancellationToken) =>
        model.Problem() is null
        && await clients.ModelFiles.ExistsAsync(Prefix(model) + SettingsFileName, cancellationToken);

    /// <summary>Null when <paramref name="model"/> may be used (registered, or the default model), else why not.</summary>
    public async Task<string?> CheckUsableAsync(ModelReference model, string what, CancellationToken cancellationToken)
    {
        if (model.Problem() is { } problem)
            return $"{what}: {problem}";
        if (IsDefault(model) || await IsRegisteredAsync(model, cancellationToken))
            return null;
        return $"{what} {model} is not a registered model: there is no {StorageLayout.ModelsContainer}/{Prefix(model)}{SettingsFileName} (GET /api/models lists the registered ones)";
    }

    /// <summary>Every registered model version, by name then version (one listing per name and per version).</summary>
    public async Task<List<RegisteredModel>> ListAsync(CancellationToken cancellationToken)
    {
        var models = new List<RegisteredModel>();
        var store = clients.ModelFiles;
        if (!await store.ContainerExistsAsync(cancellationToken))
            return models;
        await foreach (var name in store.ListFoldersAsync("", cancellationToken))
            await foreach (var version in store.ListFoldersAsync(name + "/", cancellationToken))
            {
                var prefix = $"{name}/{version}/";
                var files = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
                await foreach (var file in store.ListFolderAsync(prefix, cancellationToken))
                    files[file.Path[prefix.Length..]] = file;
                if (!files.TryGetValue(SettingsFileName, out var settings))
                    continue;
                var reference = new ModelReference(name, version);
                var training = files.ContainsKey(TrainingFileName) ? await ReadTrainingAsync(reference, cancellationToken) : null;
                models.Add(new RegisteredModel(reference.Name, reference.Version, settings.LastModified ?? DateTimeOffset.MinValue,
                    files.Keys.Where(f => f != SettingsFileName).Order(StringComparer.Ordinal).ToList(), training));
            }
        return models;
    }

    /// <summary>A file beside a registered model's <c>lvm.json</c> (its card, a figure, <c>training.json</c>), opened for streaming.</summary>
    public async Task<OutputFile> OpenFileAsync(string name, string version, string file, CancellationToken cancellationToken)
    {
        var reference = new ModelReference(name, version);
        if (reference.Problem() is { } problem)
            throw new BadRequestException(problem);
        if (!ModelFilePattern().IsMatch(file) || file.Contains("..", StringComparison.Ordinal))
            throw new BadRequestException($"File name '{file}' is not valid: a .png, .json or .md name without path separators.");
        try
        {
            return OutputFile.From(await clients.ModelFiles.OpenAsync(Prefix(reference) + file, cancellationToken: cancellationToken), ContentTypes.For(file));
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"Model {reference} has no file '{file}'.");
        }
    }

    private async Task<ModelTrainingRecord?> ReadTrainingAsync(ModelReference model, CancellationToken cancellationToken)
    {
        try
        {
            var content = await clients.ModelFiles.ReadAllTextAsync(Prefix(model) + TrainingFileName, cancellationToken);
            return JsonSerializer.Deserialize<ModelTrainingRecord>(content, PlatformJson.Web);
        }
        catch (Exception e) when (e is JsonException or FileNotFoundException)
        {
            return null; // a hand-written or half-replaced record: list the model without it
        }
    }
}
