using LvmCloud.Functions.Http;
using LvmCloud.Platform.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/models/{name}/{version}/{file}</c>: a registered model's card, figure or training.json.</summary>
public sealed class GetModelFileFunction(ModelRegistry models)
{
    [Function("GetModelFile")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models/{name}/{version}/{file}")] HttpRequest request,
        string name,
        string version,
        string file,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var output = await models.OpenFileAsync(name, version, file, cancellationToken);
            return new FileStreamResult(output.Content, output.ContentType)
            {
                EntityTag = EntityTagHeaderValue.Parse(output.ETag),
                LastModified = output.LastModified,
            };
        });
}
