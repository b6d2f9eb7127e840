using LvmCloud.Functions.Http;
using LvmCloud.Platform.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Functions.Functions;

/// <summary>
/// <c>GET /api/models</c>: the registered models, each version with its files (model card, figures, training.json)
/// linked to <c>GET /api/models/{name}/{version}/{file}</c>, and how it was trained when a run registered it; and the
/// default model (what a batch without a model runs on), registered or bundled with the workers.
/// </summary>
public sealed class ListModelsFunction(ModelRegistry models)
{
    [Function("ListModels")]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiResults.HandleAsync(async () =>
        {
            var root = $"{request.Scheme}://{request.Host}{request.PathBase}/api/models/";
            var list = (await models.ListAsync(cancellationToken)).Select(m => new ModelListEntry(m.Name, m.Version, m.RegisteredAt,
                m.Files.ToDictionary(f => f, f => new Uri($"{root}{Uri.EscapeDataString(m.Name)}/{Uri.EscapeDataString(m.Version)}/{Uri.EscapeDataString(f)}"), StringComparer.Ordinal),
                m.Training)).ToList();
            var fallback = models.Default;
            var source = list.Any(m => m.Name == fallback.Name && m.Version == fallback.Version) ? DefaultModel.Registered : DefaultModel.Bundled;
            return ApiResults.Json(new ModelList(list, new DefaultModel(fallback.Name, fallback.Version, source)));
        });
}
