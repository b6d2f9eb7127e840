using System.Security.Cryptography;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Worker;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// The platform services against the collection's Azurite, with queue names unique to one test so that
/// tests never see each other's messages. Worker hosts are real Generic Hosts built the way Program.cs does.
/// </summary>
public sealed class PlatformHarness : IAsyncDisposable
{
    private readonly List<IHost> _workers = [];
    private readonly HashSet<IHost> _started = [];

    private PlatformHarness(Dictionary<string, string?> settings, Action<IServiceCollection>? configure)
    {
        Settings = settings;
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        configure?.Invoke(services); // before the platform's defaults (a TimeProvider of the test's, logging)
        services.AddLvmPlatform();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public Dictionary<string, string?> Settings { get; }
    public ServiceProvider Services { get; }
    public StorageClients Clients => Services.GetRequiredService<StorageClients>();
    public JobStateStore State => Services.GetRequiredService<JobStateStore>();
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <param name="configure">Services of the test's, registered before the platform's (its <c>TryAdd</c> defaults then keep them).</param>
    public static Task<PlatformHarness> CreateAsync(AzuriteFixture azurite, Dictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null) =>
        CreateAsync(azurite.ConnectionString, overrides, configure);

    /// <summary>The harness against the storage at <paramref name="connectionString"/> (a test's own Azurite).</summary>
    public static async Task<PlatformHarness> CreateAsync(string connectionString, Dictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:QueuePrefix"] = "t" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant() + "-",
            ["Intake:ItemsPerMessage"] = "3",
            ["Worker:Concurrency"] = "2",
            ["Worker:ReceiveBatch"] = "1", // one message per receive, as the plumbing tests expect; the batching tests set more
            ["Worker:VisibilityTimeout"] = "00:00:03",
            ["Worker:RetryDelay"] = "00:00:00",
            ["Worker:MaxDequeueCount"] = "3",
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
        };
        foreach (var (key, value) in overrides ?? [])
            settings[key] = value;
        var harness = new PlatformHarness(settings, configure);
        await harness.Clients.EnsureCreatedAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>
    /// Starts a worker host built as Program.cs builds it: with the real model pipeline (models per the
    /// <c>Worker:*</c> settings), or with <paramref name="completer"/> in its place; <paramref name="configureClients"/>
    /// adjusts its storage clients (fault injection).
    /// </summary>
    public async Task<(IHost Host, WorkerStats Stats)> StartWorkerAsync(
        IModelSource? completer = null, Action<Azure.Core.ClientOptions>? configureClients = null, LogCapture? logs = null, Action<HostApplicationBuilder>? configure = null)
    {
        var host = BuildWorker(completer, configureClients, logs, configure);
        await host.StartAsync(); // a host that fails to start is only disposed with the harness: it has nothing to stop
        _started.Add(host);
        return (host, host.Services.GetRequiredService<WorkerStats>());
    }

    /// <summary>A worker host built as <see cref="StartWorkerAsync"/> builds it, not started: its services without consumers (stopped with the harness).</summary>
    /// <param name="configure">Last changes to the builder (the test's logging or telemetry).</param>
    public IHost BuildWorker(
        IModelSource? completer = null, Action<Azure.Core.ClientOptions>? configureClients = null, LogCapture? logs = null, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Azure", LogLevel.Warning).AddProvider(logs);
        if (FileLog.Path is { } log)
            builder.Logging.SetMinimumLevel(LogLevel.Information).AddProvider(new FileLog(log));
        if (completer is not null)
            builder.Services.AddSingleton(completer);
        else
            builder.Services.AddLvmModels();
        if (configureClients is not null)
            builder.Services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<Configuration.StorageOptions>>().Value, null, configureClients));
        builder.Services.AddLvmWorker();
        configure?.Invoke(builder);
        var host = builder.Build();
        _workers.Add(host);
        return host;
    }

    /// <summary>Polls until the batch row is finished or cancelled.</summary>
    public async Task<BatchEntity> WaitForBatchAsync(string batchId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var batch = await State.GetBatchAsync(batchId, CancellationToken.None);
            if (batch is not null && BatchStates.IsTerminal(batch.State))
            {
                // The batch closes inside the last message's handling; let the handlers settle (messages deleted).
                var queue = Clients.Queue(Clients.QueueNames.Generate);
                while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
                    await Task.Delay(50);
                await Task.Delay(200);
                return batch;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Batch {batchId} is still {batch?.State} after {timeout}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls until the (dataset, tokenizer)'s watermark shows run <paramref name="runId"/> closed; returns the watermark.</summary>
    public async Task<TokenizeWatermarkEntity> WaitForTokenizeRunAsync(string dataset, string tokenizerId, string runId, TimeSpan timeout)
    {
        var store = Get<TokenizeStateStore>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var watermark = await store.GetWatermarkAsync(TokenizePartition.For(dataset, tokenizerId), CancellationToken.None);
            if (watermark is { ActiveRunId: null } && watermark.LastRunId == runId)
            {
                // The run closes inside its last message's handling; let the handlers settle (messages deleted).
                var queue = Clients.Queue(Clients.QueueNames.Tokenize);
                while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0 && DateTime.UtcNow < deadline)
                    await Task.Delay(50);
                await Task.Delay(200);
                return watermark;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Run {runId} of {dataset} with {tokenizerId} is not closed after {timeout} (active: {watermark?.ActiveRunId}, last: {watermark?.LastRunId}).");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _workers)
        {
            // A host that never started (or whose start failed validation) has nothing to stop.
            if (_started.Contains(host))
                await host.StopAsync(TimeSpan.FromSeconds(10));
            host.Dispose();
        }
        await Services.DisposeAsync();
    }
}
