using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>GET /api/batches/{batchId}?pageSize=100&amp;continuationToken=…&amp;state=failed</c>: counts by state and progress,
/// and one page of items (optionally only those in one state) with their errors and timings.
/// </summary>
public sealed class GetBatchStatusFunction(BatchQueryService query)
{
    [Function("GetBatchStatus")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{batchId}")] HttpRequest request,
        string batchId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await query.GetStatusAsync(
            batchId, cancellationToken, ApiResults.PageSize(request), request.Query["continuationToken"].FirstOrDefault(), request.Query["state"].FirstOrDefault())));
}
