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
            var body = await JsonRequestBody.ReadAsync(request, new ModelUploadRequest([]), $"{{\"files\": [{{\"path\": \"transformer/model.safetensors\", \"size\": 123}}]}}", cancellationToken);
            return ApiResults.Json(await uploads.CreateUploadsAsync(name, version, body, cancellationToken), StatusCodes.Status201Created);
        });
}
