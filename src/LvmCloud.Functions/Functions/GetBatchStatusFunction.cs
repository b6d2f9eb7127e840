using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/batches/{batchId}</c>: counts by state, progress, per-item errors and timings.</summary>
public sealed class GetBatchStatusFunction(BatchQueryService query)
{
    [Function("GetBatchStatus")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{batchId}")] HttpRequest request,
        string batchId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await query.GetStatusAsync(batchId, cancellationToken)));
}
