using LvmCloud.Functions.Http;
using LvmCloud.Platform;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Datasets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>POST /api/datasets/{dataset}/uploads</c> with <c>{"files": [{"path": "s0/00.png", "md5": "…"}, {"path":
/// "sentences.jsonl"}]}</c>: one write-only SAS URL per file that is new or changed (same MD5 as stored: unchanged).
/// </summary>
public sealed class CreateDatasetUploadFunction(DatasetUploadService uploads)
{
    [Function("CreateDatasetUpload")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{dataset}/uploads")] HttpRequest request,
        string dataset,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var body = await JsonRequestBody.ReadAsync(request, new DatasetUploadRequest([]), $"{{\"files\": [{{\"path\": \"a/0.png\", \"md5\": \"base64\"}}]}}", cancellationToken);
            return ApiResults.Json(await uploads.CreateAsync(dataset, body, cancellationToken), StatusCodes.Status201Created);
        });
}
