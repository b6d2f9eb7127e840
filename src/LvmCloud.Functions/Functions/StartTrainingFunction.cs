using System.Text;
using LvmCloud.Core.Manifests;
using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/training</c> with a run.json as the body: validates it (400 naming every problem), writes
/// <c>training/{runId}/run.json</c> and queues round 0; answers 201 with the run's status.
/// </summary>
public sealed class StartTrainingFunction(TrainingRunService training)
{
    [Function("StartTraining")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "training")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            if (request.ContentLength > TrainingLimits.MaxSpecBytes)
                throw new BadRequestException($"run.json is {request.ContentLength} bytes, more than {TrainingLimits.MaxSpecBytes}.");
            // Without a Content-Length (chunked), at most one byte past the limit is read.
            var text = await BoundedText.ReadAsync(request.Body, TrainingLimits.MaxSpecBytes, cancellationToken);
            if (Encoding.UTF8.GetByteCount(text) > TrainingLimits.MaxSpecBytes)
                throw new BadRequestException($"run.json is more than {TrainingLimits.MaxSpecBytes} bytes.");
            return ApiResults.Json(await training.StartAsync(text, cancellationToken), StatusCodes.Status201Created);
        });
}
