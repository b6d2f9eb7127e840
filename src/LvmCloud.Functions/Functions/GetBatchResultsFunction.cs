using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/batches/{batchId}/results</c>: the results manifest, each output linked to this API's file URL.</summary>
public sealed class GetBatchResultsFunction(BatchQueryService query)
{
    [Function("GetBatchResults")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{batchId}/results")] HttpRequest request,
        string batchId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var root = $"{request.Scheme}://{request.Host}{request.PathBase}/api/batches/{Uri.EscapeDataString(batchId)}/items/";
            var results = await query.GetResultsAsync(
                batchId,
                (itemId, file) => new Uri(root + Uri.EscapeDataString(itemId) + "/" + Uri.EscapeDataString(file)),
                cancellationToken);
            return ApiResults.Json(results);
        });
}
