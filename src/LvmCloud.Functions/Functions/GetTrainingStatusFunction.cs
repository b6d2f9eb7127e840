using LvmCloud.Functions.Http;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>GET /api/training/{runId}</c>: the run's state and round, the current round's shard jobs with their progress, and
/// per round the train and eval loss and where the time went (inner steps, transfers, merge).
/// </summary>
public sealed class GetTrainingStatusFunction(TrainingRunService training)
{
    [Function("GetTrainingStatus")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "training/{runId}")] HttpRequest request,
        string runId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await training.GetStatusAsync(runId, cancellationToken)));
}
