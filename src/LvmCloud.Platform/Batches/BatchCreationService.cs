using LvmCloud.Core.Storage;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Requests;
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
    /// <summary>
    /// <c>POST /api/batches</c>: a new batch and an upload URL per announced file plus <c>manifest.jsonl</c>. At most
    /// <c>Intake:MaxFilesPerUpload</c> files per request; announce the rest with <see cref="AddUploadsAsync"/>.
    /// </summary>
    public async Task<BatchUploadGrant> CreateAsync(CreateBatchRequest request, CancellationToken cancellationToken)
    {
        var files = CheckFiles((request.Files ?? []).Append(Storage.StorageLayout.ManifestFileName));

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

        var (expiresOn, uploads) = await GrantAsync(batchId, files, now, cancellationToken);
        logger.LogInformation("Batch {BatchId} created with {Files} upload URLs", batchId, uploads.Count);
        return new BatchUploadGrant(batchId, expiresOn, uploads, model.ToString());
    }

    /// <summary>
    /// <c>POST /api/batches/{batchId}/uploads</c>: upload URLs for a further page of a batch's files (a batch of more
    /// files than one request may announce). Each page is answered on its own; pages may repeat files.
    /// </summary>
    /// <exception cref="NotFoundException">No such batch.</exception>
    /// <exception cref="ConflictException">The batch's manifest is uploaded already: it takes no more files.</exception>
    public async Task<BatchUploadGrant> AddUploadsAsync(string batchId, AddBatchUploadsRequest request, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValidBatchId(batchId))
            throw new BadRequestException($"Batch id '{batchId}' is not valid.");
        var files = CheckFiles(request.Files ?? []);
        if (files.Count == 0)
            throw new BadRequestException("No files announced: send {\"files\": [\"inputs/a.png\", ...]}.");
        var batch = await state.GetBatchAsync(batchId, cancellationToken) ?? throw new NotFoundException($"Batch {batchId} does not exist.");
        if (batch.State != BatchStates.AwaitingUpload || await clients.BatchFiles.ExistsAsync(Storage.StorageLayout.ManifestPath(batchId), cancellationToken))
            throw new ConflictException($"Batch {batchId} is {batch.State} and its {Storage.StorageLayout.ManifestFileName} is uploaded: it takes no more files. Announce every file before uploading the manifest.");

        var (expiresOn, uploads) = await GrantAsync(batchId, files, time.GetUtcNow(), cancellationToken);
        logger.LogInformation("Batch {BatchId}: {Files} more upload URLs", batchId, uploads.Count);
        return new BatchUploadGrant(batchId, expiresOn, uploads, batch.ModelName is { Length: > 0 } ? $"{batch.ModelName}/{batch.ModelVersion}" : null);
    }

    private List<string> CheckFiles(IEnumerable<string> announced)
    {
        var files = announced.Distinct(StringComparer.Ordinal).ToList();
        if (files.Count > options.Value.MaxFilesPerUpload)
            throw new BadRequestException($"Too many files: {files.Count} announced, at most {options.Value.MaxFilesPerUpload} per request; announce the rest with POST /api/batches/{{batchId}}/uploads before uploading the manifest.");
        foreach (var file in files)
            if (UploadPaths.Check(file) is { } reason)
                throw new BadRequestException(reason);
        return files;
    }

    private async Task<(DateTimeOffset ExpiresOn, Dictionary<string, Uri> Uploads)> GrantAsync(string batchId, IReadOnlyList<string> files, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expiresOn = now + options.Value.UploadSasLifetime;
        var uploads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var file in files)
            uploads[file] = await sas.CreateAsync(clients.BatchFiles, $"{batchId}/{file}", SasAccess.Upload, expiresOn, cancellationToken);
        return (expiresOn, uploads);
    }
}
