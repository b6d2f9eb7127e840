using System.Net;
using System.Reflection;
using System.Text;
using LvmCloud.Functions.Functions;
using LvmCloud.LocalApi;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Platform.Tests.Access;

/// <summary>
/// The HTTP API's door: every function asks for a function key (what the Functions host enforces), the local host
/// refuses every route without it over real HTTP, and ids in URLs that are not valid ids are a 400, never a 500.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ApiAccessTests(AzuriteFixture azurite)
{
    private const string Key = "access-test-key";

    /// <summary>A valid value for each route parameter: the routes are reached, whatever the answer behind the door.</summary>
    private static readonly Dictionary<string, string> Valid = new(StringComparer.Ordinal)
    {
        ["batchId"] = "b20990101000000-00000000000000000000000000000000",
        ["runId"] = "r20990101000000-00000000000000000000000000000000",
        ["dataset"] = "no-such-dataset",
        ["itemId"] = "item-000",
        ["file"] = "item-000.png",
        ["name"] = "no-such-model",
        ["version"] = "1",
    };

    [Fact]
    public void Every_http_function_requires_a_function_key_and_the_local_host_serves_exactly_those_routes()
    {
        var triggers = typeof(CreateBatchFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Method: m, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .Where(x => x.Trigger is not null)
            .ToList();
        Assert.True(triggers.Count >= 20, $"only {triggers.Count} HTTP triggers found");
        Assert.All(triggers, t => Assert.True(t.Trigger!.AuthLevel == AuthorizationLevel.Function, $"{t.Method.DeclaringType!.Name} is {t.Trigger.AuthLevel}"));

        var declared = triggers.SelectMany(t => t.Trigger!.Methods!.Select(m => $"{m.ToUpperInvariant()} /api/{t.Trigger.Route}")).Order(StringComparer.Ordinal).ToList();
        var app = LocalApiHost.Build([], new Dictionary<string, string?> { ["Storage:ConnectionString"] = "UseDevelopmentStorage=true", ["LocalApi:FunctionKey"] = Key });
        var served = Routes(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
            .Select(r => $"{r.Method} {r.Template}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(declared, served);
    }

    [Fact]
    public async Task Every_route_of_the_local_host_refuses_a_missing_or_wrong_key_over_http()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        using var http = new HttpClient { BaseAddress = host.Endpoint };
        var routes = Routes(host.Routes).ToList();
        Assert.True(routes.Count >= 20, $"only {routes.Count} routes");
        Assert.Contains(routes, r => r.Template.StartsWith("/api/datasets", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Template.StartsWith("/api/training", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Template.StartsWith("/api/models", StringComparison.Ordinal));

        foreach (var (method, template) in routes)
        {
            var path = Fill(template, _ => null);
            foreach (var (header, query) in new[] { ((string?)null, ""), ("wrong", ""), (null, "?code=wrong"), (Key.ToUpperInvariant(), ""), ("", "?code=") })
            {
                using var refused = await SendAsync(http, method, path + query, header);
                Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}{query} with key '{header}': {refused.StatusCode}");
            }
            using var byHeader = await SendAsync(http, method, path, Key);
            Assert.True(byHeader.StatusCode != HttpStatusCode.Unauthorized, $"{method} {path} with the key: {byHeader.StatusCode}");
            using var byQuery = await SendAsync(http, method, path + "?code=" + Key, null);
            Assert.True(byQuery.StatusCode != HttpStatusCode.Unauthorized, $"{method} {path}?code= with the key: {byQuery.StatusCode}");
        }
    }

    [Fact]
    public async Task Odd_ids_in_batch_run_dataset_and_model_routes_are_a_400_not_a_500()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        using var http = new HttpClient { BaseAddress = host.Endpoint };
        // Already escaped, as they travel in the path; each one reaches the route as a single segment.
        string[] odd = ["...", "a..b", "%2E%2E%2Fx", "a%2Fb", "a%5Cb", "a%20b", "a%27b", "%3Cscript%3E", "-abc", "a%00b", "a%3Ab", new string('a', 300), "%E2%80%AEx"];
        string[] upper = ["ABCDEF", "B20990101000000-00000000000000000000000000000000"]; // not a batch or run id; a valid dataset or model name
        var routes = Routes(host.Routes).Where(r => r.Template.Contains('{', StringComparison.Ordinal)).ToList();
        Assert.True(routes.Count >= 14, $"only {routes.Count} routes with ids");
        var checkedCount = 0;
        var kestrel = new List<string>();
        foreach (var (method, template) in routes)
            foreach (var parameter in Parameters(template))
                foreach (var value in parameter is "batchId" or "runId" ? odd.Concat(upper) : odd)
                {
                    var path = Fill(template, p => p == parameter ? value : null);
                    using var answer = await SendAsync(http, method, path, Key);
                    var body = await answer.Content.ReadAsStringAsync();
                    Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{method} {path}: {(int)answer.StatusCode} {body}");
                    if (body.Length > 0) // Kestrel itself refuses some paths (a NUL in it) with an empty 400 before any route
                        Assert.True(answer.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{method} {path}: {answer.Content.Headers.ContentType}");
                    else
                        kestrel.Add(path);
                    checkedCount++;
                }
        Assert.True(checkedCount > 200, $"{checkedCount} requests");
        Assert.All(kestrel, p => Assert.Contains("%00", p, StringComparison.Ordinal));
    }

    private static IEnumerable<(string Method, string Template)> Routes(IEnumerable<RouteEndpoint> endpoints) =>
        endpoints.SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.RoutePattern.RawText!.StartsWith('/') ? e.RoutePattern.RawText : "/" + e.RoutePattern.RawText)));

    private static IEnumerable<string> Parameters(string template) =>
        template.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}'));

    private static string Fill(string template, Func<string, string?> value) =>
        string.Join('/', template.Split('/').Select(s => s.StartsWith('{') && s.Trim('{', '}') is var name ? value(name) ?? Valid[name] : s));

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (key is not null)
            request.Headers.Add("x-functions-key", key);
        if (method == "POST")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return http.SendAsync(request);
    }
}
