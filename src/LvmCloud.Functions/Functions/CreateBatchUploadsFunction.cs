using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/batches/{batchId}/uploads</c> with <c>{"files": ["inputs/b.png", ...]}</c>: upload URLs for a further
/// page of a batch's files, while its manifest is not uploaded yet (a batch of more files than one request announces).
/// </summary>
public sealed class CreateBatchUploadsFunction(BatchCreationService batches)
{
    [Function("CreateBatchUploads")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "batches/{batchId}/uploads")] HttpRequest request,
        string batchId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var body = await JsonRequestBody.ReadAsync(request, new AddBatchUploadsRequest([]), "{\"files\": [\"inputs/b.png\"]}", cancellationToken);
            return ApiResults.Json(await batches.AddUploadsAsync(batchId, body, cancellationToken));
        });
}
