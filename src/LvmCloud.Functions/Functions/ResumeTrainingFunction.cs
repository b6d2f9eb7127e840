using LvmCloud.Functions.Http;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>POST /api/training/{runId}/resume</c>: a failed or cancelled run continues from its last merged round (409 otherwise); 202 with the status.</summary>
public sealed class ResumeTrainingFunction(TrainingRunService training)
{
    [Function("ResumeTraining")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "training/{runId}/resume")] HttpRequest request,
        string runId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await training.ResumeAsync(runId, cancellationToken), StatusCodes.Status202Accepted));
}
