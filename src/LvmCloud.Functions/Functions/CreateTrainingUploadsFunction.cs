using System.Text.Json;
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
            TrainingUploadRequest body;
            try
            {
                body = request.ContentLength is 0 || request.Body is null
                    ? new TrainingUploadRequest([])
                    : await JsonSerializer.DeserializeAsync<TrainingUploadRequest>(request.Body, PlatformJson.Web, cancellationToken) ?? new TrainingUploadRequest([]);
            }
            catch (JsonException e)
            {
                throw new BadRequestException($"Request body is not valid JSON of the form {{\"files\": [\"data/train.bin\"]}}: {e.Message}");
            }
            return ApiResults.Json(await training.CreateUploadsAsync(body, cancellationToken), StatusCodes.Status201Created);
        });
}
