using LvmCloud.Functions.Http;
using LvmCloud.Platform.Datasets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>GET /api/datasets/{dataset}/tokens?tokenizer=ID|name/version</c>: the dataset's shard index and a short-lived
/// read SAS URL for every file it lists (the shards, their twins and index entries).
/// </summary>
public sealed class GetDatasetTokensFunction(DatasetQueryService query)
{
    [Function("GetDatasetTokens")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}/tokens")] HttpRequest request,
        string dataset,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await query.GetTokensAsync(dataset, request.Query["tokenizer"].FirstOrDefault(), cancellationToken)));
}
