using System.Collections.Concurrent;
using LvmCloud.Platform.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Stands in for the Azure Functions host, which cannot run here (<c>func start</c> needs Core Tools): Kestrel on
/// 127.0.0.1 (free port) routes the HTTP API's routes to the same function classes, checks the function key
/// (<c>x-functions-key</c> header or <c>?code=</c>) the way function-level auth does, and a blob watcher stands
/// in for the Event Grid subscription by invoking the manifest function when a <c>manifest.jsonl</c> appears.
/// </summary>
internal sealed class FunctionsHttpHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private Task _watcher = Task.CompletedTask;

    private FunctionsHttpHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Errors the blob watcher met while invoking the manifest function (none expected).</summary>
    public ConcurrentQueue<Exception> TriggerErrors { get; } = new();

    public static async Task<FunctionsHttpHost> StartAsync(PlatformHarness harness, string functionKey)
    {
        var api = new Api(harness);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMvcCore();
        var app = builder.Build();

        app.Use(async (context, next) =>
        {
            var key = context.Request.Headers["x-functions-key"].ToString();
            if (key.Length == 0)
                key = context.Request.Query["code"].ToString();
            if (key != functionKey)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        });
        app.MapPost("/api/batches", (HttpContext c, CancellationToken ct) => Execute(c, api.Create.Run(c.Request, ct)));
        app.MapGet("/api/batches/{batchId}", (HttpContext c, string batchId, CancellationToken ct) => Execute(c, api.Status.Run(c.Request, batchId, ct)));
        app.MapGet("/api/batches/{batchId}/results", (HttpContext c, string batchId, CancellationToken ct) => Execute(c, api.Results.Run(c.Request, batchId, ct)));
        app.MapGet("/api/batches/{batchId}/gallery", (HttpContext c, string batchId, CancellationToken ct) => Execute(c, api.Gallery.Run(c.Request, batchId, ct)));
        app.MapPost("/api/batches/{batchId}/cancel", (HttpContext c, string batchId, CancellationToken ct) => Execute(c, api.Cancel.Run(c.Request, batchId, ct)));
        app.MapGet("/api/batches/{batchId}/items/{itemId}/{file}", (HttpContext c, string batchId, string itemId, string file, CancellationToken ct) =>
            Execute(c, api.ItemFile.Run(c.Request, batchId, itemId, file, ct)));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var host = new FunctionsHttpHost(app, new Uri(address));
        host._watcher = Task.Run(() => host.WatchManifestsAsync(harness, api));
        return host;
    }

    private static async Task Execute(HttpContext context, Task<IActionResult> invocation)
    {
        var result = await invocation;
        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }

    /// <summary>
    /// Polls the <c>batches</c> container and runs the manifest function once per manifest version written after
    /// the host started (the container is shared with other tests of the collection).
    /// </summary>
    private async Task WatchManifestsAsync(PlatformHarness harness, Api api)
    {
        var startedAt = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);
        var seen = new Dictionary<string, Azure.ETag>(StringComparer.Ordinal);
        var suffix = "/" + StorageLayout.ManifestFileName;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var blob in harness.Clients.Batches.GetBlobsAsync(cancellationToken: _stop.Token))
                {
                    if (!blob.Name.EndsWith(suffix, StringComparison.Ordinal) || blob.Properties.LastModified < startedAt || (seen.TryGetValue(blob.Name, out var etag) && etag == blob.Properties.ETag))
                        continue;
                    seen[blob.Name] = blob.Properties.ETag!.Value;
                    var batchId = blob.Name[..^suffix.Length];
                    await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(blob.Name), batchId, _stop.Token);
                }
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                TriggerErrors.Enqueue(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watcher;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stop.Dispose();
    }
}
