using LvmCloud.Functions.Http;
using LvmCloud.Platform.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/models/{name}/{version}/downloads</c>: one read-only SAS URL per file under a registered model's
/// <c>models/{name}/{version}/</c> (404 when it is not registered). The bytes come straight from storage
/// (<c>lvm models pull --endpoint</c>).
/// </summary>
public sealed class CreateModelDownloadsFunction(ModelDownloadService downloads)
{
    [Function("CreateModelDownloads")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{name}/{version}/downloads")] HttpRequest request,
        string name,
        string version,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await downloads.CreateDownloadsAsync(name, version, cancellationToken)));
}
