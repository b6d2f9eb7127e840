using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core.Diagnostics;
using Azure.Storage.Blobs;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace LvmCloud.Platform.Tests.Access;

/// <summary>
/// A batch through the API's function classes, intake and a worker host with every log at its most verbose (Trace,
/// every category, Azure SDK events included, exceptions in full) written to a file, and every span of every source
/// kept by OpenTelemetry's in-memory exporter: none of it holds a SAS signature, the account key or a connection
/// string's secret.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class SecretsInLogsTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly Lock Gate = new();
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"lvm-secrets-{Guid.NewGuid():N}.log");

    [Fact]
    public async Task A_batch_logged_at_trace_level_and_traced_writes_no_sas_signature_account_key_or_connection_string()
    {
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true); // the Azure SDK's own spans (request URLs)
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource("*").SetSampler(new AlwaysOnSampler()).AddInMemoryExporter(spans).Build();
        using var azureEvents = new AzureEventSourceListener((e, message) => Append($"azure-event {e.EventSource.Name}/{e.EventName}: {message}"), EventLevel.Verbose);
        var provider = new TraceFileLog(_log);

        await using var harness = await PlatformHarness.CreateAsync(azurite, configure: s => s.AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(provider)));
        var api = new Api(harness);
        var create = HttpCalls.Request("POST", "/api/batches", JsonSerializer.Serialize(new { files = new[] { "inputs/a.png", "inputs/broken.png" } }));
        var created = await HttpCalls.ExecuteAsync(await api.Create.Run(create, CancellationToken.None), create);
        Assert.Equal(201, created.Status);
        var grant = JsonSerializer.Deserialize<BatchUploadGrant>(created.Text, Web)!;
        await new BlobClient(grant.Uploads["inputs/a.png"]).UploadAsync(BinaryData.FromBytes(TestImages.Png(16, 8, 3)));
        await new BlobClient(grant.Uploads["inputs/broken.png"]).UploadAsync(BinaryData.FromString("not a png"));
        await new BlobClient(grant.Uploads["manifest.jsonl"]).UploadAsync(BinaryData.FromString(string.Join('\n',
            "{\"id\": \"ok-1\", \"input\": [\"a.png\"]}",
            "{\"id\": \"ok-2\", \"input\": [\"a.png\"]}",
            "{\"id\": \"broken\", \"input\": [\"broken.png\"]}",
            "{\"id\": \"missing\", \"input\": [\"missing.png\"]}",
            "{not json")));
        await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(grant.BatchId)), grant.BatchId, CancellationToken.None);
        // One lost reply on the first result.json upload: the worker retries, logging the failure in full.
        var fault = new FaultInjectionPolicy(FaultInjectionPolicy.PutOf("result.json"), 1, afterSend: true);
        await harness.StartWorkerAsync(new FlippingCompleter(), fault.Configure,
            configure: b => b.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddFilter(_ => true).AddProvider(provider));
        var batch = await harness.WaitForBatchAsync(grant.BatchId, TimeSpan.FromSeconds(60));
        Assert.Equal(2, batch.ItemsSucceeded);
        Assert.Equal(1, fault.Injected);

        // Everything else that issues or uses a SAS: the gallery, results, a file, dataset and training upload grants.
        var gallery = HttpCalls.Request("GET", $"/api/batches/{grant.BatchId}/gallery");
        var page = await HttpCalls.ExecuteAsync(await api.Gallery.Run(gallery, grant.BatchId, CancellationToken.None), gallery);
        var results = HttpCalls.Request("GET", $"/api/batches/{grant.BatchId}/results");
        Assert.Equal(200, (await HttpCalls.ExecuteAsync(await api.Results.Run(results, grant.BatchId, CancellationToken.None), results)).Status);
        var file = HttpCalls.Request("GET", "/f");
        Assert.Equal(200, (await HttpCalls.ExecuteAsync(await api.ItemFile.Run(file, grant.BatchId, "ok-1", "ok-1.png", CancellationToken.None), file)).Status);
        var dataset = HttpCalls.Request("POST", "/api/datasets/secrets-test/uploads", "{\"files\": [{\"path\": \"sentences.jsonl\"}]}");
        var datasetGrant = await HttpCalls.ExecuteAsync(await api.CreateDatasetUpload.Run(dataset, "secrets-test", CancellationToken.None), dataset);
        Assert.Equal(201, datasetGrant.Status);
        var training = HttpCalls.Request("POST", "/api/training/uploads", "{\"files\": [\"data/shard-00000.jsonl\"]}");
        var trainingGrant = await HttpCalls.ExecuteAsync(await api.CreateTrainingUploads.Run(training, CancellationToken.None), training);
        Assert.Equal(201, trainingGrant.Status);
        await Task.Delay(500); // the worker's last lines (the message deleted)
        tracing.ForceFlush();
        tracing.Dispose(); // no more spans added while they are read

        var signatures = Signature().Matches(created.Text + page.Text + datasetGrant.Text + trainingGrant.Text)
            .Select(m => WebUtility.UrlDecode(m.Groups[1].Value)).Distinct().ToList();
        Assert.True(signatures.Count >= 9, $"{signatures.Count} signatures issued"); // 3 uploads, 4 gallery images, 2 grants
        var written = File.ReadAllText(_log);
        var traced = string.Join('\n', spans.Select(Describe));

        // The capture is real: Trace lines, the Azure SDK's request events, the injected failure, spans with URLs.
        Assert.Matches("(?m)^(Trace|Debug) ", written);
        Assert.Contains(grant.BatchId, written, StringComparison.Ordinal);
        Assert.Contains("azure-event Azure-Core/Request", written, StringComparison.Ordinal);
        Assert.Contains("result.json", written, StringComparison.Ordinal);
        Assert.Contains(spans, s => s.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) && s.TagObjects.Any(t => t.Value is string v && v.Contains("/devstoreaccount1/", StringComparison.Ordinal)));
        Assert.Contains(spans, s => s.Source.Name == Telemetry.PlatformTelemetry.Name);

        var accountKey = Regex.Match(azurite.ConnectionString, "AccountKey=([^;]+)").Groups[1].Value;
        Assert.NotEmpty(accountKey);
        foreach (var (what, text) in new[] { ("the log file", written), ("the spans", traced) })
        {
            Assert.DoesNotContain(accountKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(accountKey[..20], text, StringComparison.Ordinal);
            Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature=", text, StringComparison.OrdinalIgnoreCase);
            foreach (var signature in signatures)
            {
                Assert.DoesNotContain(signature, text, StringComparison.Ordinal);
                Assert.DoesNotContain(WebUtility.UrlEncode(signature), text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Uri.EscapeDataString(signature), text, StringComparison.OrdinalIgnoreCase);
            }
            var shown = Signature().Matches(text).Select(m => m.Groups[1].Value).Where(v => v != "REDACTED").ToList();
            Assert.True(shown.Count == 0, $"{what} shows sig= values: {string.Join(", ", shown.Take(3))}");
            Assert.DoesNotMatch("(?i)authorization: *sharedkey", text);
        }
    }

    public void Dispose() => File.Delete(_log);

    private void Append(string line)
    {
        lock (Gate)
            File.AppendAllText(_log, line + "\n");
    }

    private static string Describe(Activity span)
    {
        var text = new StringBuilder($"{span.Source.Name} {span.DisplayName} {span.StatusDescription}");
        foreach (var (key, value) in span.TagObjects)
            text.Append($" {key}={value}");
        foreach (var e in span.Events)
        {
            text.Append($" event {e.Name}");
            foreach (var (key, value) in e.Tags)
                text.Append($" {key}={value}");
        }
        foreach (var (key, value) in span.Baggage)
            text.Append($" baggage {key}={value}");
        return text.ToString();
    }

    [GeneratedRegex("(?i)sig(?:=|%3D)([^&\\s\"'<>]+)")]
    private static partial Regex Signature();

    /// <summary>Every entry of every category at every level, with scopes and exceptions in full, to a file.</summary>
    private sealed class TraceFileLog(string path) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public string Path { get; } = path;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() { }

        private sealed class Logger(TraceFileLog owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new StringBuilder();
                owner._scopes?.ForEachScope((scope, sb) => sb.Append(" => ").Append(scope), scopes);
                var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                var line = $"{logLevel} {category}[{eventId.Id}]{scopes}: {formatter(state, exception)} {{{properties}}}{(exception is null ? "" : "\n" + exception)}\n";
                lock (Gate)
                    File.AppendAllText(owner.Path, line);
            }
        }
    }
}
