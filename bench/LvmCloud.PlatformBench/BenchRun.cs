using System.Diagnostics;
using System.Globalization;
using LvmCloud.Core.Images;
using LvmCloud.Platform;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Queues;
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
using Polly.Registry;

namespace LvmCloud.PlatformBench;

/// <summary>What one run measured.</summary>
internal sealed record BenchResult(
    int Workers,
    int Items,
    int Succeeded,
    long ResultsWritten,
    TimeSpan Wall,
    TimeSpan Intake,
    TimeSpan ModelTime,
    double MeanQueueWaitMs,
    RequestCounter.Counts Requests)
{
    public double ItemsPerSecond => Items / Wall.TotalSeconds;
    public double IntakeMsPerItem => Intake.TotalMilliseconds / Items;
    public double ModelMsPerItem => ModelTime.TotalMilliseconds / Items;

    /// <summary>Worker time not spent in the model, per item: (wall x workers - model time) / items.</summary>
    public double OutsideModelMsPerItem => (Wall.TotalMilliseconds * Workers - ModelTime.TotalMilliseconds) / Items;
}

/// <summary>
/// One measured run: a batch of tiny images goes through intake (manifest validation, item rows, generate
/// messages) and is completed by <c>workers</c> worker hosts built as the worker's Program.cs builds them, with the
/// real model pipeline on a tiny model, timed around the completer.
/// </summary>
internal static class BenchRun
{
    public static async Task<BenchResult> RunAsync(string connectionString, string modelsDirectory, int items, int workers, int itemsPerMessage)
    {
        var counter = new RequestCounter();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:QueuePrefix"] = $"bench{workers}-{Guid.NewGuid():N}"[..16] + "-",
            ["Intake:ItemsPerMessage"] = itemsPerMessage.ToString(CultureInfo.InvariantCulture),
            ["Intake:DefaultModelName"] = BenchModel.Name,
            ["Intake:DefaultModelVersion"] = BenchModel.Version,
            ["Worker:Concurrency"] = "1",
            ["Worker:Queues"] = QueueNames.GenerateKind, // polling the other kinds' queues is not this measurement's
            ["Worker:ModelsDirectory"] = modelsDirectory,
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
            ["Worker:VisibilityTimeout"] = "00:00:30",
        };
        await using var services = await BenchServices.StartAsync(settings, counter);
        var clients = services.GetRequiredService<StorageClients>();

        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        await UploadBatchAsync(clients, batchId, items);

        var hosts = new List<(IHost Host, TimedCompleter Completer)>();
        foreach (var _w in Enumerable.Range(0, workers))
            hosts.Add(await StartWorkerAsync(settings, counter));
        try
        {
            var before = counter.Snapshot(); // the client's uploads are not the platform's work
            var started = Stopwatch.GetTimestamp();
            await services.GetRequiredService<BatchIntakeService>().IngestAsync(batchId, CancellationToken.None);
            var intake = Stopwatch.GetElapsedTime(started);
            // Watched through clients of its own, so that the benchmark's polling is not counted as the platform's.
            var watcher = new StorageClients(services.GetRequiredService<IOptions<StorageOptions>>().Value);
            var state = new JobStateStore(watcher, services.GetRequiredService<ResiliencePipelineProvider<string>>());
            while ((await state.GetBatchAsync(batchId, CancellationToken.None))?.State is not (BatchStates.Finished or BatchStates.Cancelled))
                await Task.Delay(20);
            var wall = Stopwatch.GetElapsedTime(started);
            var queue = watcher.Queue(watcher.QueueNames.Generate);
            while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
                await Task.Delay(20); // the last message is deleted just after the batch closes
            var requests = counter.Snapshot() - before;

            var rows = await state.GetItemsAsync(batchId, CancellationToken.None);
            var stats = hosts.Select(h => h.Host.Services.GetRequiredService<WorkerStats>()).ToList();
            return new BenchResult(
                workers,
                items,
                rows.Count(r => r.State == ItemStates.Succeeded),
                stats.Sum(s => s.ResultsWritten),
                wall,
                intake,
                TimeSpan.FromTicks(hosts.Sum(h => h.Completer.Elapsed.Ticks)),
                rows.Average(r => r.QueueWaitMs ?? 0),
                requests);
        }
        finally
        {
            foreach (var (host, _) in hosts)
            {
                await host.StopAsync(TimeSpan.FromSeconds(10));
                host.Dispose();
            }
        }
    }

    private static async Task UploadBatchAsync(StorageClients clients, string batchId, int items)
    {
        var lines = new List<string>(items);
        await Parallel.ForEachAsync(Enumerable.Range(0, items), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var png = ImageWriter.ToPngBytes(RgbImage.Filled(BenchModel.Resolution, BenchModel.Resolution, i % 7 / 7f, i % 11 / 11f, 0.5f));
            await clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, $"i{i:D4}.png")).UploadAsync(BinaryData.FromBytes(png), ct);
        });
        for (var i = 0; i < items; i++)
            lines.Add($"{{\"id\": \"item-{i:D4}\", \"input\": [\"i{i:D4}.png\"]}}");
        await clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(BinaryData.FromString(string.Join('\n', lines)));
    }

    /// <summary>A worker host as Program.cs builds it, its completer timed, its model loaded before it starts polling.</summary>
    private static async Task<(IHost, TimedCompleter)> StartWorkerAsync(Dictionary<string, string?> settings, RequestCounter counter)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>().Value, null, counter.Configure));
        builder.Services.AddSingleton<ModelCache>();
        builder.Services.AddSingleton(sp => new TimedCompleter(sp.GetRequiredService<ModelCache>()));
        builder.Services.AddSingleton<IModelSource>(sp => sp.GetRequiredService<TimedCompleter>());
        builder.Services.AddLvmWorker();
        var host = builder.Build();
        await host.Services.GetRequiredService<ModelCache>().GetAsync(new ModelReference(BenchModel.Name, BenchModel.Version), CancellationToken.None);
        await host.StartAsync();
        return (host, host.Services.GetRequiredService<TimedCompleter>());
    }
}
