using LvmCloud.Functions.Http;
using LvmCloud.Platform.Datasets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>GET /api/datasets/{dataset}</c>: per tokenizer, shards, sentence and token counts, the last run with its time and
/// outcome, the run in flight and its pending chunks, failed chunks, and skipped sentences with reasons.
/// </summary>
public sealed class GetDatasetFunction(DatasetQueryService query)
{
    [Function("GetDataset")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "datasets/{dataset}")] HttpRequest request,
        string dataset,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () => ApiResults.Json(await query.GetAsync(dataset, cancellationToken)));
}
