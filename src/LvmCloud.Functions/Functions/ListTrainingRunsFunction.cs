using LvmCloud.Functions.Http;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>GET /api/training?pageSize=20&amp;continuationToken=…</c>: the training runs, newest first, one page at a time;
/// each a summary (state, model it registers, rounds done of total, created/finished).
/// </summary>
public sealed class ListTrainingRunsFunction(TrainingRunService training)
{
    [Function("ListTrainingRuns")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "training")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await training.ListAsync(
            ApiResults.PageSize(request), request.Query["continuationToken"].FirstOrDefault(), cancellationToken)));
}
