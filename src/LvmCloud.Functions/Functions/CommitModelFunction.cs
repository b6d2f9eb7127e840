using LvmCloud.Functions.Http;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/models/{name}/{version}/commit</c> with <c>{"settings": {lvm.json}, "files": [{"path": ..., "size": ...,
/// "sha256": ...}]}</c>: checks every file against storage, then writes <c>lvm.json</c>, which registers the model
/// (201; 409 when the version is registered already, 400 when a file is missing or differs).
/// </summary>
public sealed class CommitModelFunction(ModelUploadService uploads)
{
    [Function("CommitModel")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{name}/{version}/commit")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var body = await JsonRequestBody.ReadAsync(request, new ModelCommitRequest(null, []), $"{{\"settings\": {{...}}, \"files\": [{{\"path\": \"...\", \"size\": 123, \"sha256\": \"...\"}}]}}", cancellationToken);
            return ApiResults.Json(await uploads.CommitAsync(name, version, body, cancellationToken), StatusCodes.Status201Created);
        });
}
