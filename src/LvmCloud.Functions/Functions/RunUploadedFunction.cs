using Azure.Storage.Blobs;
using LvmCloud.Platform.Training;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// Fires when <c>training/{runId}/run.json</c> is uploaded (Event Grid source, as Flex Consumption requires): starts
/// the run it describes, once; a spec with problems becomes a failed run whose reason names them.
/// </summary>
public sealed class RunUploadedFunction(TrainingRunService training, ILogger<RunUploadedFunction> logger)
{
    [Function("RunUploaded")]
    public async Task Run(
        [BlobTrigger(TrainingLayout.SpecTriggerPath, Source = BlobTriggerSource.EventGrid, Connection = "Storage")] BlobClient spec,
        string runId,
        CancellationToken cancellationToken) =>
        await HandleAsync(spec.Name, runId, cancellationToken);

    /// <summary>What the trigger does for the spec blob <paramref name="blobName"/> (the local API's watcher calls this too).</summary>
    public async Task HandleAsync(string blobName, string runId, CancellationToken cancellationToken)
    {
        logger.LogInformation("Run spec uploaded: {Blob}", blobName);
        var status = await training.StartFromUploadAsync(runId, cancellationToken);
        logger.LogInformation("Run {RunId}: {State}{Reason}", status.RunId, status.State, status.Reason is null ? "" : $" ({status.Reason})");
    }
}
