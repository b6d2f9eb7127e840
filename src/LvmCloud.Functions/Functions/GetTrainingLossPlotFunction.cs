using LvmCloud.Functions.Http;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/training/{runId}/loss.png</c>: train and eval loss per round as a PNG.</summary>
public sealed class GetTrainingLossPlotFunction(TrainingRunService training)
{
    [Function("GetTrainingLossPlot")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "training/{runId}/loss.png")] HttpRequest request,
        string runId,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => new FileContentResult(await training.RenderLossPlotAsync(runId, cancellationToken), "image/png"));
}
