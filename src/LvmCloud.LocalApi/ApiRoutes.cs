using LvmCloud.Functions.Functions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace LvmCloud.LocalApi;

/// <summary>
/// The HTTP API's routes (those the function classes declare in their <c>HttpTrigger</c> attributes) mapped onto
/// the same function classes, so the local host answers exactly what the Functions app answers.
/// </summary>
public static class ApiRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/batches", (HttpContext c, CreateBatchFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapGet("/api/batches", (HttpContext c, ListBatchesFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapGet("/api/batches/{batchId}", (HttpContext c, string batchId, GetBatchStatusFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, batchId, ct)));
        app.MapGet("/api/batches/{batchId}/results", (HttpContext c, string batchId, GetBatchResultsFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, batchId, ct)));
        app.MapGet("/api/batches/{batchId}/gallery", (HttpContext c, string batchId, GetGalleryFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, batchId, ct)));
        app.MapPost("/api/batches/{batchId}/uploads", (HttpContext c, string batchId, CreateBatchUploadsFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, batchId, ct)));
        app.MapPost("/api/batches/{batchId}/cancel", (HttpContext c, string batchId, CancelBatchFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, batchId, ct)));
        app.MapGet("/api/batches/{batchId}/items/{itemId}/{file}", (HttpContext c, string batchId, string itemId, string file, GetItemFileFunction f, CancellationToken ct) =>
            Execute(c, f.Run(c.Request, batchId, itemId, file, ct)));
        app.MapGet("/api/datasets", (HttpContext c, ListDatasetsFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapGet("/api/datasets/{dataset}", (HttpContext c, string dataset, GetDatasetFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, dataset, ct)));
        app.MapPost("/api/datasets/{dataset}/tokenize", (HttpContext c, string dataset, RequestTokenizeFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, dataset, ct)));
        app.MapPost("/api/datasets/{dataset}/uploads", (HttpContext c, string dataset, CreateDatasetUploadFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, dataset, ct)));
        app.MapGet("/api/datasets/{dataset}/tokens", (HttpContext c, string dataset, GetDatasetTokensFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, dataset, ct)));
        app.MapGet("/api/training", (HttpContext c, ListTrainingRunsFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapPost("/api/training", (HttpContext c, StartTrainingFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapPost("/api/training/uploads", (HttpContext c, CreateTrainingUploadsFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapGet("/api/training/{runId}", (HttpContext c, string runId, GetTrainingStatusFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, runId, ct)));
        app.MapGet("/api/training/{runId}/loss.png", (HttpContext c, string runId, GetTrainingLossPlotFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, runId, ct)));
        app.MapPost("/api/training/{runId}/cancel", (HttpContext c, string runId, CancelTrainingFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, runId, ct)));
        app.MapPost("/api/training/{runId}/resume", (HttpContext c, string runId, ResumeTrainingFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, runId, ct)));
        app.MapGet("/api/models", (HttpContext c, ListModelsFunction f, CancellationToken ct) => Execute(c, f.Run(c.Request, ct)));
        app.MapPost("/api/models/{name}/{version}/uploads", (HttpContext c, string name, string version, CreateModelUploadsFunction f, CancellationToken ct) =>
            Execute(c, f.Run(c.Request, name, version, ct)));
        app.MapPost("/api/models/{name}/{version}/commit", (HttpContext c, string name, string version, CommitModelFunction f, CancellationToken ct) =>
            Execute(c, f.Run(c.Request, name, version, ct)));
        app.MapPost("/api/models/{name}/{version}/downloads", (HttpContext c, string name, string version, CreateModelDownloadsFunction f, CancellationToken ct) =>
            Execute(c, f.Run(c.Request, name, version, ct)));
        app.MapGet("/api/models/{name}/{version}/{file}", (HttpContext c, string name, string version, string file, GetModelFileFunction f, CancellationToken ct) =>
            Execute(c, f.Run(c.Request, name, version, file, ct)));
    }

    /// <summary>The function classes, built by DI as the Functions host builds them.</summary>
    public static IServiceCollection AddFunctionClasses(this IServiceCollection services)
    {
        foreach (var type in new[]
        {
            typeof(CreateBatchFunction), typeof(CreateBatchUploadsFunction), typeof(ListBatchesFunction), typeof(GetBatchStatusFunction), typeof(GetBatchResultsFunction),
            typeof(GetGalleryFunction), typeof(CancelBatchFunction), typeof(GetItemFileFunction), typeof(ManifestUploadedFunction),
            typeof(ListDatasetsFunction), typeof(GetDatasetFunction), typeof(RequestTokenizeFunction), typeof(CreateDatasetUploadFunction),
            typeof(GetDatasetTokensFunction), typeof(SentencesUploadedFunction), typeof(TokenizeScheduleFunction),
            typeof(StartTrainingFunction), typeof(ListTrainingRunsFunction), typeof(CreateTrainingUploadsFunction), typeof(GetTrainingStatusFunction), typeof(GetTrainingLossPlotFunction),
            typeof(CancelTrainingFunction), typeof(ResumeTrainingFunction), typeof(RunUploadedFunction), typeof(ListModelsFunction), typeof(GetModelFileFunction),
            typeof(CreateModelUploadsFunction), typeof(CommitModelFunction), typeof(CreateModelDownloadsFunction),
        })
            services.AddTransient(type);
        return services;
    }

    private static async Task Execute(HttpContext context, Task<IActionResult> invocation)
    {
        var result = await invocation;
        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }
}
