using LvmCloud.Functions.Http;
using LvmCloud.Platform.Datasets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary><c>GET /api/datasets</c>: every dataset and, per tokenizer, its shards, counts and last run.</summary>
public sealed class ListDatasetsFunction(DatasetQueryService query)
{
    [Function("ListDatasets")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await query.ListAsync(cancellationToken)));
}
