using LvmCloud.Functions.Http;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>POST /api/batches</c> with <c>{"files": ["inputs/a.png", ...]}</c>: a new batch and one write-only SAS URL per file.</summary>
public sealed class CreateBatchFunction(BatchCreationService batches)
{
    [Function("CreateBatch")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "batches")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var body = await JsonRequestBody.ReadAsync(request, new CreateBatchRequest([]), $"{{\"files\": [\"inputs/a.png\"]}}", cancellationToken);

            var grant = await batches.CreateAsync(body, cancellationToken);
            return ApiResults.Json(grant, StatusCodes.Status201Created);
        });
}
