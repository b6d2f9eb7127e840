using System.Collections.Concurrent;
using LvmCloud.LocalApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// The HTTP API over real HTTP for the CLI tests: the product's <see cref="LocalApiHost"/> (the Functions project's
/// function classes on Kestrel with the manifest watcher in place of Event Grid, what <c>local/run-stack.sh</c>
/// runs without Core Tools), on a free loopback port, over the harness's storage and queues, with a function key.
/// </summary>
internal sealed class FunctionsHttpHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FunctionsHttpHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>The routes the host serves, as ASP.NET Core routing has them.</summary>
    public IReadOnlyList<RouteEndpoint> Routes => ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();

    /// <summary>Errors the manifest watcher met while running the trigger (none expected).</summary>
    public ConcurrentQueue<Exception> TriggerErrors => _app.Services.GetRequiredService<ManifestWatcher>().Errors;

    /// <summary>Errors the dataset watcher met while running the sentences.jsonl trigger (none expected).</summary>
    public ConcurrentQueue<Exception> DatasetTriggerErrors => _app.Services.GetRequiredService<DatasetWatcher>().Errors;

    public static async Task<FunctionsHttpHost> StartAsync(PlatformHarness harness, string functionKey)
    {
        var settings = new Dictionary<string, string?>(harness.Settings)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["LocalApi:FunctionKey"] = functionKey,
            ["LocalApi:ManifestPollInterval"] = "00:00:00.100",
            ["LocalApi:OnlyNewManifests"] = "true", // the container is shared with the collection's other tests
            ["LocalApi:DatasetPollInterval"] = "00:00:00.100",
            ["LocalApi:RunSchedule"] = "false", // the schedule would plan the other tests' datasets
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var app = LocalApiHost.Build([], settings);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FunctionsHttpHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
