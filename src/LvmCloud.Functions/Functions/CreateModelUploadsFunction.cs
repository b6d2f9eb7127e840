using System.Text.Json;
using LvmCloud.Functions.Http;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/models/{name}/{version}/uploads</c> with <c>{"files": [{"path": "transformer/model.safetensors", "size":
/// 123}, ...]}</c>: one create/write/read SAS URL per file under <c>models/{name}/{version}/</c> (409 when that version is
/// registered). The bytes go straight to storage; <c>POST .../commit</c> registers the model.
/// </summary>
public sealed class CreateModelUploadsFunction(ModelUploadService uploads)
{
    [Function("CreateModelUploads")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{name}/{version}/uploads")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            ModelUploadRequest body;
            try
            {
                body = request.ContentLength is 0 || request.Body is null
                    ? new ModelUploadRequest([])
                    : await JsonSerializer.DeserializeAsync<ModelUploadRequest>(request.Body, PlatformJson.Web, cancellationToken) ?? new ModelUploadRequest([]);
            }
            catch (JsonException e)
            {
                throw new BadRequestException($"Request body is not valid JSON of the form {{\"files\": [{{\"path\": \"transformer/model.safetensors\", \"size\": 123}}]}}: {e.Message}");
            }
            return ApiResults.Json(await uploads.CreateUploadsAsync(name, version, body, cancellationToken), StatusCodes.Status201Created);
        });
}
