using LvmCloud.Functions.Http;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>POST /api/training/{runId}/cancel</c>: queued shard jobs are cancelled, running ones finish (and their round merges); 202 with the status.</summary>
public sealed class CancelTrainingFunction(TrainingRunService training)
{
    [Function("CancelTraining")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "training/{runId}/cancel")] HttpRequest request,
        string runId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await training.CancelAsync(runId, cancellationToken), StatusCodes.Status202Accepted));
}
