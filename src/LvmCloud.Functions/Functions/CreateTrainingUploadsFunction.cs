using LvmCloud.Functions.Http;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Training;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/training/uploads</c> with <c>{"files": ["data/train.bin", ...]}</c>: a new run id and one write-only SAS
/// URL per file under <c>training/{runId}/</c> (plus <c>run.json</c>), for a shard set uploaded with the run.
/// </summary>
public sealed class CreateTrainingUploadsFunction(TrainingRunService training)
{
    [Function("CreateTrainingUploads")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "training/uploads")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var body = await JsonRequestBody.ReadAsync(request, new TrainingUploadRequest([]), $"{{\"files\": [\"data/train.bin\"]}}", cancellationToken);
            return ApiResults.Json(await training.CreateUploadsAsync(body, cancellationToken), StatusCodes.Status201Created);
        });
}
