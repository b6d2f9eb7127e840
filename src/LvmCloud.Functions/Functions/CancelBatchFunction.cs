using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>POST /api/batches/{batchId}/cancel</c>: cancels items not started yet; answers 202 with the batch's summary (state, counts, times; no items).</summary>
public sealed class CancelBatchFunction(BatchCancellationService cancellation)
{
    [Function("CancelBatch")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "batches/{batchId}/cancel")] HttpRequest request,
        string batchId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await cancellation.CancelAsync(batchId, cancellationToken), StatusCodes.Status202Accepted));
}
