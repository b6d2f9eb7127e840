using System.Text.Json;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Models;

/// <summary>
/// <c>lvm models push</c> through the API, with the API out of the data path: <see cref="CreateUploadsAsync"/> hands out
/// one SAS URL per file of a model version that is not registered yet (the client sends the bytes straight to storage, in
/// resumable blocks), and <see cref="CommitAsync"/> checks every file against storage (length and SHA-256) and then
/// writes <c>lvm.json</c>, only if it does not exist: the model is registered by that write and never before.
/// Costs: a grant is one existence check and one SAS per file; a commit is one listing of the model's prefix and one write.
/// </summary>
public sealed class ModelUploadService(StorageClients clients, SasIssuer sas, ModelRegistry registry, IOptions<IntakeOptions> options,
    TimeProvider time, ILogger<ModelUploadService> logger)
{
    /// <summary>Files per grant request (a model has fewer than 20): ask in pages of at most this many.</summary>
    public const int MaxFilesPerRequest = 100;

    /// <summary>Files one commit may name.</summary>
    public const int MaxFilesPerCommit = 1_000;

    /// <summary>The largest block blob storage holds: 50,000 blocks of 4,000 MiB.</summary>
    public const long MaxFileBytes = 50_000L * 4_000 * 1024 * 1024;

    /// <summary>The largest <c>lvm.json</c> a commit accepts.</summary>
    public const int MaxSettingsBytes = 64 * 1024;

    /// <summary>
    /// One create/write/read SAS URL per announced file under <c>models/{name}/{version}/</c>, valid for
    /// <see cref="IntakeOptions.UploadSasLifetime"/>. Asking again for the same files is how an interrupted or expired
    /// push goes on: the blocks it staged stay in storage.
    /// </summary>
    /// <exception cref="BadRequestException">Bad name, version, path or size, no files, or too many.</exception>
    /// <exception cref="ConflictException">The version is registered already.</exception>
    public async Task<ModelUploadGrant> CreateUploadsAsync(string name, string version, ModelUploadRequest request, CancellationToken cancellationToken)
    {
        var model = RequireValid(name, version);
        var files = request.Files ?? [];
        if (files.Count == 0)
            throw new BadRequestException("No files announced: send {\"files\": [{\"path\": \"transformer/model.safetensors\", \"size\": 123}, ...]} (every file of the model folder but lvm.json).");
        if (files.Count > MaxFilesPerRequest)
            throw new BadRequestException($"Too many files: {files.Count} announced, at most {MaxFilesPerRequest} per request; ask in pages of {MaxFilesPerRequest}.");
        CheckFiles(files.Select(f => ((string?)f.Path, f.Size)));
        await RequireNotRegisteredAsync(model, cancellationToken);

        var expiresOn = time.GetUtcNow() + options.Value.UploadSasLifetime;
        var uploads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var file in files)
            uploads[file.Path] = await sas.CreateAsync(clients.ModelFiles, ModelRegistry.Prefix(model) + file.Path, SasAccess.ResumableUpload, expiresOn, cancellationToken);
        long bytes = files.Sum(f => f.Size);
        logger.LogInformation("Model {Model}: {Uploads} upload URLs issued for {Bytes} bytes, until {ExpiresOn}", model, uploads.Count, bytes, expiresOn);
        return new ModelUploadGrant(model.ToString(), expiresOn, uploads, bytes);
    }

    /// <summary>
    /// Registers the model: every named file must be in storage, committed, with the given length and the SHA-256 the
    /// upload stored in its metadata; then <c>lvm.json</c> is written if none exists (a concurrent commit gets a 409).
    /// </summary>
    /// <exception cref="BadRequestException">Bad name, version, settings or file list, or a file not (fully) uploaded.</exception>
    /// <exception cref="ConflictException">The version is registered already.</exception>
    public async Task<ModelCommitResult> CommitAsync(string name, string version, ModelCommitRequest request, CancellationToken cancellationToken)
    {
        var model = RequireValid(name, version);
        if (request.Settings is not { } settings)
            throw new BadRequestException("No settings: send {\"settings\": {the model folder's lvm.json}, \"files\": [{\"path\": ..., \"size\": ..., \"sha256\": ...}]}.");
        var files = request.Files ?? [];
        if (files.Count == 0)
            throw new BadRequestException("No files named: a commit names every file of the model with its size and SHA-256.");
        if (files.Count > MaxFilesPerCommit)
            throw new BadRequestException($"Too many files: {files.Count} named, at most {MaxFilesPerCommit} per model.");
        CheckFiles(files.Select(f => ((string?)f.Path, f.Size)));
        foreach (var folder in new[] { LocalModelFolders.TokenizerFolder, LocalModelFolders.TransformerFolder })
            if (!files.Any(f => f.Path.StartsWith(folder + "/", StringComparison.Ordinal)))
                throw new BadRequestException($"Model {model} has no file under '{folder}/': a model holds '{LocalModelFolders.TokenizerFolder}/' and '{LocalModelFolders.TransformerFolder}/' (lvm models import makes such a folder).");
        await RequireNotRegisteredAsync(model, cancellationToken);

        var prefix = ModelRegistry.Prefix(model);
        var stored = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        await foreach (var blob in clients.ModelFiles.ListAsync(prefix, cancellationToken))
            stored[blob.Path[prefix.Length..]] = blob;
        foreach (var file in files)
        {
            if (!stored.TryGetValue(file.Path, out var properties))
                throw new BadRequestException($"'{file.Path}' of model {model} is not uploaded (no committed blob {StorageLayout.ModelsContainer}/{prefix}{file.Path}): upload it (lvm models push resumes) and commit again.");
            if (properties.Length != file.Size)
                throw new BadRequestException($"'{file.Path}' of model {model} is {properties.Length} bytes in storage, not the {file.Size} announced: upload it again and commit.");
            if (!properties.Metadata.TryGetValue(BlobChecksums.Sha256MetadataKey, out var hash) || !string.Equals(hash, file.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new BadRequestException($"'{file.Path}' of model {model} has SHA-256 '{hash ?? "none"}' in storage, not the '{file.Sha256}' named: upload it again and commit.");
        }

        settings["name"] = model.Name;
        settings["version"] = model.Version;
        var json = settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxSettingsBytes)
            throw new BadRequestException($"The settings (lvm.json) are {System.Text.Encoding.UTF8.GetByteCount(json)} bytes; at most {MaxSettingsBytes}.");
        var written = await clients.ModelFiles.TryWriteTextAsync(prefix + ModelRegistry.SettingsFileName, json, FileWriteOptions.CreateOnce(contentType: ContentTypes.Json), cancellationToken)
            ?? throw new ConflictException(Registered(model));
        long bytes = files.Sum(f => f.Size);
        logger.LogInformation("Model {Model} registered: {Files} files, {Bytes} bytes", model, files.Count, bytes);
        return new ModelCommitResult(model.ToString(), written.LastModified ?? time.GetUtcNow(), files.Count, bytes);
    }

    private static ModelReference RequireValid(string name, string version)
    {
        var model = new ModelReference(name, version);
        return model.Problem() is { } problem ? throw new BadRequestException(problem) : model;
    }

    private async Task RequireNotRegisteredAsync(ModelReference model, CancellationToken cancellationToken)
    {
        if (await registry.IsRegisteredAsync(model, cancellationToken))
            throw new ConflictException(Registered(model));
    }

    private static string Registered(ModelReference model) =>
        $"Model {model} is registered already ({StorageLayout.ModelsContainer}/{ModelRegistry.Prefix(model)}{ModelRegistry.SettingsFileName} exists); push it as another version.";

    private static void CheckFiles(IEnumerable<(string? Path, long Size)> files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, size) in files)
        {
            if (RelativePath.Check(path) is { } problem)
                throw new BadRequestException($"Model file path refused: {problem.Message}.");
            if (path == ModelRegistry.SettingsFileName)
                throw new BadRequestException($"'{ModelRegistry.SettingsFileName}' is not uploaded: the commit writes it, from its settings, after every other file is there.");
            if (!seen.Add(path!))
                throw new BadRequestException($"'{path}' is announced twice.");
            if (size is < 0 or > MaxFileBytes)
                throw new BadRequestException($"'{path}' has size {size}: a model file is 0 to {MaxFileBytes} bytes (50,000 blocks of 4,000 MiB).");
        }
    }
}
