using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Batches;

/// <summary>Creates a batch row and hands out write-only SAS URLs for the files the client will upload.</summary>
public sealed class BatchCreationService(
    StorageClients clients,
    JobStateStore state,
    SasIssuer sas,
    ModelRegistry models,
    IOptions<IntakeOptions> options,
    TimeProvider time,
    ILogger<BatchCreationService> logger)
{
    public async Task<BatchUploadGrant> CreateAsync(CreateBatchRequest request, CancellationToken cancellationToken)
    {
        var files = (request.Files ?? []).Append(Storage.StorageLayout.ManifestFileName).Distinct(StringComparer.Ordinal).ToList();
        if (files.Count > options.Value.MaxFilesPerUpload)
            throw new BadRequestException($"Too many files: {files.Count} announced, at most {options.Value.MaxFilesPerUpload} per batch.");
        foreach (var file in files)
            if (UploadPaths.Check(file) is { } reason)
                throw new BadRequestException(reason);

        var model = request.Model ?? new Queues.ModelReference(options.Value.DefaultModelName, options.Value.DefaultModelVersion);
        if (request.Model is not null && await models.CheckUsableAsync(request.Model, "model", cancellationToken) is { } modelProblem)
            throw new BadRequestException(modelProblem);

        var now = time.GetUtcNow();
        var batchId = Identifiers.NewBatchId(now);
        var batch = BatchEntity.New(batchId, now);
        batch.ModelName = model.Name;
        batch.ModelVersion = model.Version;
        if (!await state.TryAddBatchAsync(batch, cancellationToken))
            throw new InvalidOperationException($"Batch id {batchId} already exists (random id collision).");

        var expiresOn = now + options.Value.UploadSasLifetime;
        var uploads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            uploads[file] = await sas.CreateAsync(clients.BatchFiles, $"{batchId}/{file}", SasAccess.Upload, expiresOn, cancellationToken);
        }

        logger.LogInformation("Batch {BatchId} created with {Files} upload URLs", batchId, uploads.Count);
        return new BatchUploadGrant(batchId, expiresOn, uploads, model.ToString());
    }
}
