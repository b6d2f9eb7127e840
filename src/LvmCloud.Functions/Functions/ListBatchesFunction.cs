using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/batches?pageSize=20&amp;continuationToken=…</c>: the batches, newest first, one page at a time.</summary>
public sealed class ListBatchesFunction(BatchQueryService query)
{
    [Function("ListBatches")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await query.ListAsync(
            ApiResults.PageSize(request), request.Query["continuationToken"].FirstOrDefault(), cancellationToken)));
}
