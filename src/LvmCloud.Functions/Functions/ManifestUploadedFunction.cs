using Azure.Storage.Blobs;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// Fires when <c>batches/{batchId}/manifest.jsonl</c> is uploaded (Event Grid source, as Flex Consumption
/// requires): validates the manifest and enqueues the batch's work, once.
/// </summary>
public sealed class ManifestUploadedFunction(BatchIntakeService intake, ILogger<ManifestUploadedFunction> logger)
{
    [Function("ManifestUploaded")]
    public async Task Run(
        [BlobTrigger(StorageLayout.ManifestTriggerPath, Source = BlobTriggerSource.EventGrid, Connection = "Storage")] BlobClient manifest,
        string batchId,
        CancellationToken cancellationToken) =>
        await HandleAsync(manifest.Name, batchId, cancellationToken);

    /// <summary>What the trigger does for the manifest blob <paramref name="blobName"/> (the local API's watcher calls this too).</summary>
    public async Task HandleAsync(string blobName, string batchId, CancellationToken cancellationToken)
    {
        logger.LogInformation("Manifest uploaded: {Blob}", blobName);
        var outcome = await intake.IngestAsync(batchId, cancellationToken);
        logger.LogInformation("Intake of {BatchId}: planned={Planned} accepted={Accepted} rejected={Rejected} messages={Messages}",
            outcome.BatchId, outcome.Planned, outcome.Accepted, outcome.Rejected, outcome.MessagesEnqueued);
    }
}
