using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Options;

namespace LvmCloud.LocalApi;

/// <summary>
/// Stands in for the Event Grid subscription that fires the manifest trigger in Azure: a batch's
/// <c>batches/{batchId}/manifest.jsonl</c> runs <see cref="ManifestUploadedFunction"/> (intake is idempotent).
/// </summary>
public sealed class ManifestWatcher(
    StorageClients clients,
    IServiceProvider services,
    IOptions<LocalApiOptions> options,
    ILogger<ManifestWatcher> logger) : FolderFileWatcher(services, options, logger)
{
    protected override BlobStore Container => clients.BatchFiles;
    protected override string What => "manifests";
    protected override bool IsValidId(string id) => Identifiers.IsValidBatchId(id);
    protected override string FilePath(string id) => StorageLayout.ManifestPath(id);

    protected override Task TriggerAsync(IServiceProvider scope, string file, string id, CancellationToken cancellationToken) =>
        scope.GetRequiredService<ManifestUploadedFunction>().HandleAsync(file, id, cancellationToken);
}
