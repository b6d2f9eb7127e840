using LvmCloud.Core.Paths;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Hands out write-only SAS URLs for files of one dataset, one per blob (a container SAS cannot be confined to a
/// prefix on flat-namespace storage). Costs one listing of the dataset (to skip unchanged files) and one SAS per file.
/// </summary>
public sealed class DatasetUploadService(StorageClients clients, SasIssuer sas, IOptions<IntakeOptions> options, TimeProvider time, ILogger<DatasetUploadService> logger)
{
    public async Task<DatasetUploadGrant> CreateAsync(string dataset, DatasetUploadRequest request, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValidDatasetName(dataset))
            throw new BadRequestException($"Dataset name '{dataset}' is not valid: use 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, without '..'.");
        var files = (request.Files ?? []).DistinctBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new BadRequestException("No files announced: send {\"files\": [{\"path\": \"a/0.png\", \"md5\": \"...\"}, {\"path\": \"sentences.jsonl\"}]}.");
        if (files.Count > options.Value.MaxFilesPerUpload)
            throw new BadRequestException($"Too many files: {files.Count} announced, at most {options.Value.MaxFilesPerUpload} per request.");
        foreach (var file in files)
            if (string.IsNullOrEmpty(file.Path) || RelativePath.Check(file.Path) is not null)
                throw new BadRequestException($"Upload path '{file.Path}' is refused: {RelativePath.Check(file.Path ?? "")?.Message ?? "it is empty"}.");

        var listing = files.Any(f => f.Md5 is not null)
            ? await DatasetListing.ReadAsync(clients.DatasetFiles, dataset, cancellationToken)
            : new DatasetListing(new Dictionary<string, string>(), new Dictionary<string, string>());
        var now = time.GetUtcNow();
        var expiresOn = now + options.Value.UploadSasLifetime;
        var uploads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var unchanged = new List<string>();
        foreach (var file in files)
        {
            if (file.Md5 is { } md5 && listing.ContentHashes.TryGetValue(file.Path, out var stored) && stored == md5)
            {
                unchanged.Add(file.Path);
                continue;
            }
            uploads[file.Path] = await sas.CreateAsync(clients.DatasetFiles, StorageLayout.DatasetPrefix(dataset) + file.Path, SasAccess.Upload, expiresOn, cancellationToken);
        }
        logger.LogInformation("Dataset {Dataset}: {Uploads} upload URLs issued, {Unchanged} files unchanged", dataset, uploads.Count, unchanged.Count);
        return new DatasetUploadGrant(dataset, expiresOn, uploads, unchanged);
    }
}
