using LvmCloud.Core.Paths;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Models;

/// <summary>
/// <c>lvm models pull</c> through the API, with the API out of the data path: one read-only SAS URL per file under a
/// registered model's <c>models/{name}/{version}/</c> prefix, nothing outside it, and nothing for a model that is not
/// registered (no <c>lvm.json</c>: a push or training run that has not finished). Costs: one listing of the prefix and
/// one SAS per file.
/// </summary>
public sealed class ModelDownloadService(StorageClients clients, SasIssuer sas, IOptions<IntakeOptions> options, TimeProvider time, ILogger<ModelDownloadService> logger)
{
    /// <summary>Files one grant may hold (a model has fewer than 20).</summary>
    public const int MaxFiles = 1_000;

    /// <summary>Read URLs for every file of the model, valid for <see cref="IntakeOptions.ReadSasLifetime"/>; ask again to go on.</summary>
    /// <exception cref="BadRequestException">Bad name or version, or more than <see cref="MaxFiles"/> files.</exception>
    /// <exception cref="NotFoundException">The model is not registered.</exception>
    public async Task<ModelDownloadGrant> CreateDownloadsAsync(string name, string version, CancellationToken cancellationToken)
    {
        var model = new ModelReference(name, version);
        if (model.Problem() is { } problem)
            throw new BadRequestException(problem);
        var prefix = ModelRegistry.Prefix(model);
        var files = new Dictionary<string, long>(StringComparer.Ordinal);
        if (await clients.ModelFiles.ContainerExistsAsync(cancellationToken))
            await foreach (var file in clients.ModelFiles.ListAsync(prefix, cancellationToken))
            {
                var relative = file.Path[prefix.Length..];
                if (RelativePath.IsValid(relative)) // a blob named with '..' or the like is never handed out
                    files[relative] = file.Length;
            }
        if (!files.ContainsKey(ModelRegistry.SettingsFileName))
            throw new NotFoundException($"Model {model} is not registered: there is no {StorageLayout.ModelsContainer}/{prefix}{ModelRegistry.SettingsFileName} (GET /api/models lists the registered ones).");
        if (files.Count > MaxFiles)
            throw new BadRequestException($"Model {model} has {files.Count} files, more than the {MaxFiles} one grant holds.");

        var expiresOn = time.GetUtcNow() + options.Value.ReadSasLifetime;
        var downloads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var relative in files.Keys)
            downloads[relative] = await sas.CreateAsync(clients.ModelFiles, prefix + relative, SasAccess.Read, expiresOn, cancellationToken);
        long bytes = files.Values.Sum();
        logger.LogInformation("Model {Model}: {Downloads} download URLs issued for {Bytes} bytes, until {ExpiresOn}", model, downloads.Count, bytes, expiresOn);
        return new ModelDownloadGrant(model.ToString(), expiresOn, downloads, bytes);
    }
}
