using LvmCloud.Functions.Http;
using LvmCloud.Platform.Batches;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/batches/{batchId}/items/{itemId}/{file}</c>: streams an output with its content type and ETag (304 on a match).</summary>
public sealed class GetItemFileFunction(BatchQueryService query)
{
    [Function("GetItemFile")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "batches/{batchId}/items/{itemId}/{file}")] HttpRequest request,
        string batchId,
        string itemId,
        string file,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var output = await query.OpenOutputAsync(batchId, itemId, file, cancellationToken);
            return new FileStreamResult(output.Content, output.ContentType)
            {
                EntityTag = EntityTagHeaderValue.Parse(output.ETag),
                LastModified = output.LastModified,
            };
        });
}
