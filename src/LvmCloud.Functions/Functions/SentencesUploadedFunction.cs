using Azure.Storage.Blobs;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// Fires when <c>datasets/{dataset}/sentences.jsonl</c> is uploaded (Event Grid source, as Flex Consumption requires):
/// plans the dataset with the default tokenizer, as the timer would. Planning is idempotent, so a delivery repeated
/// or racing the timer queues each chunk once.
/// </summary>
public sealed class SentencesUploadedFunction(TokenizePlanner planner, ILogger<SentencesUploadedFunction> logger)
{
    [Function("SentencesUploaded")]
    public async Task Run(
        [BlobTrigger(StorageLayout.SentencesTriggerPath, Source = BlobTriggerSource.EventGrid, Connection = "Storage")] BlobClient sentences,
        string dataset,
        CancellationToken cancellationToken) =>
        await HandleAsync(sentences.Name, dataset, cancellationToken);

    /// <summary>What the trigger does for the sentences blob <paramref name="blobName"/> (the local API's watcher calls this too).</summary>
    public async Task HandleAsync(string blobName, string dataset, CancellationToken cancellationToken)
    {
        logger.LogInformation("Sentences uploaded: {Blob}", blobName);
        if (!Identifiers.IsValidDatasetName(dataset))
        {
            logger.LogWarning("'{Dataset}' is not a valid dataset name; {Blob} is not planned", dataset, blobName);
            return;
        }
        try
        {
            await planner.PlanAsync(dataset, TokenizeRequest.Default, TokenizePlanner.UploadTrigger, cancellationToken);
        }
        catch (NotFoundException e)
        {
            // Deleted again before the event arrived, or the default tokenizer is not published yet: nothing to retry.
            logger.LogWarning("Dataset {Dataset} not planned: {Reason}", dataset, e.Message);
        }
    }
}
