using LvmCloud.Functions.Http;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Datasets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/datasets/{dataset}/tokenize</c> with <c>{"force": true, "tokenizer": "name/version"}</c> (both
/// optional): plans a retokenization now; 202 with what was queued (nothing when nothing changed).
/// </summary>
public sealed class RequestTokenizeFunction(TokenizePlanner planner)
{
    [Function("RequestTokenize")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/tokenize")] HttpRequest request,
        string dataset,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var body = await JsonRequestBody.ReadAsync(request, TokenizeRequest.Default, $"{{\"force\": false, \"tokenizer\": \"name/version\"}}", cancellationToken);
            var outcome = await planner.PlanAsync(dataset, body, Platform.Datasets.TokenizePlanner.ApiTrigger, cancellationToken);
            return ApiResults.Json(outcome, StatusCodes.Status202Accepted);
        });
}
