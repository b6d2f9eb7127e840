using System.Diagnostics;
using System.Globalization;
using LvmCloud.Core.Images;
using LvmCloud.Local;
using LvmCloud.Platform;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace LvmCloud.PlatformBench;

/// <summary>What the load run measured.</summary>
internal sealed record LoadResult(
    int Batch,
    int Items,
    int Workers,
    int Succeeded,
    int RunOnce,
    int RunMoreThanOnce,
    int NeverRun,
    TimeSpan Wall,
    double[] LatencyMs,
    double ModelMsTotal,
    double HandlerMsTotal,
    TimeSpan WorkerCpu,
    TimeSpan AzuriteCpu,
    StorageRequests Requests,
    IReadOnlyList<WorkerReport> WorkerReports)
{
    public double ItemsPerSecond => Items / Wall.TotalSeconds;

    public double Percentile(double p)
    {
        var sorted = LatencyMs.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

/// <summary>The platform's storage requests in the measured window; receives that found the queue empty apart (they depend on time, not items).</summary>
internal sealed record StorageRequests(long Table, long Blob, long Queue, long EmptyReceives)
{
    public long Total => Table + Blob + Queue;
}

/// <summary>One worker process in one measured batch: jobs it finished, redeliveries it logged, resident memory (KiB) after the process started, at the batch's start, its peak during the batch and at its end.</summary>
internal sealed record WorkerReport(int Index, int Pid, int JobsFinished, int Redeliveries, long RssAfterStartKiB, long RssStartKiB, long RssPeakKiB, long RssEndKiB);

/// <summary>
/// The load run: one batch of many one-frame items through Azurite, run by several real worker processes
/// (<c>src/LvmCloud.Worker/bin/{Configuration}/net10.0/LvmCloud.Worker.dll</c>, settings in their environment as a
/// container app passes them) on the tiny model. Intake runs here, right after the manifest upload (what the
/// trigger does). Measured: items/s, time from the manifest upload to each item's result in its row, whether each
/// item ran exactly once (attempt counts in the rows, redeliveries in the worker logs), storage requests per item from
/// Azurite's access log (every process's requests, the benchmark's own polling taken out), and each worker's
/// resident memory after warm-up and at the end.
/// </summary>
internal static class LoadBench
{
    public static async Task<List<LoadResult>> RunAsync(string repoRoot, string modelsDirectory, int items, int workers, int itemsPerMessage, int warmupItems, int batches, string? accessLogFile)
    {
        using var azurite = await AzuriteProcess.StartAsync(repoRoot, accessLog: true);
        var prefix = $"load-{Guid.NewGuid():N}"[..12] + "-";
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:QueuePrefix"] = prefix,
            ["Intake:ItemsPerMessage"] = itemsPerMessage.ToString(CultureInfo.InvariantCulture),
            ["Intake:DefaultModelName"] = BenchModel.Name,
            ["Intake:DefaultModelVersion"] = BenchModel.Version,
        };
        var workerSettings = new Dictionary<string, string?>(settings)
        {
            ["Worker:Concurrency"] = "1",
            ["Worker:Queues"] = QueueNames.GenerateKind,
            ["Worker:ModelsDirectory"] = modelsDirectory,
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
            ["Worker:VisibilityTimeout"] = "00:00:30",
            ["Training:TorchThreads"] = "1",
            ["OMP_NUM_THREADS"] = "1",
        };
        await using var services = await BenchServices.StartAsync(settings);
        var clients = services.GetRequiredService<StorageClients>();
        // The benchmark's own polling goes through clients of its own, counted, so that it can be taken out.
        var watcherRequests = new RequestCounter();
        var watcher = new StorageClients(services.GetRequiredService<IOptions<StorageOptions>>().Value, null, watcherRequests.Configure);
        var state = new JobStateStore(watcher, services.GetRequiredService<ResiliencePipelineProvider<string>>());
        var intake = services.GetRequiredService<BatchIntakeService>();

        var processes = Enumerable.Range(0, workers).Select(_ => BenchWorkerProcess.Start(repoRoot, workerSettings)).ToList();
        try
        {
            foreach (var p in processes)
                await p.WaitForLineAsync(l => l.Contains("Serving ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            var rssAfterStart = processes.Select(p => p.RssKiB()).ToList();

            // Warm-up until every worker has run a job (model loaded, code jitted): not reported.
            for (var round = 0; processes.Any(p => p.JobsFinished == 0); round++)
            {
                if (round == 10)
                    throw new InvalidOperationException("Some worker ran no job in 10 warm-up batches.");
                Console.Error.WriteLine($"warm-up batch {round + 1} ({warmupItems} items, not reported)...");
                var warm = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
                await UploadAsync(clients, warm, warmupItems);
                await intake.IngestAsync(warm, CancellationToken.None);
                await WaitClosedAsync(state, watcher, warm);
            }
            var results = new List<LoadResult>();
            for (var batch = 0; batch < batches; batch++)
            {
                var jobsBefore = processes.Select(p => p.JobsFinished).ToList();
                var startedBefore = processes.Select(p => p.JobsStarted).ToList();
                var redeliveriesBefore = processes.Select(p => p.Redeliveries).ToList();
                var rssStart = processes.Select(p => p.RssKiB()).ToList();
                var peak = rssStart.ToArray();
                using var sampling = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        for (var i = 0; i < processes.Count; i++)
                            peak[i] = Math.Max(peak[i], processes[i].RssKiB());
                        try { await Task.Delay(500, sampling.Token); } catch (OperationCanceledException) { }
                    }
                });

                var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
                Console.Error.WriteLine($"batch {batch + 1} of {batches}: {items} items, {workers} worker processes, batch {batchId}...");
                await UploadAsync(clients, batchId, items, manifest: false);
                await Task.Delay(1000); // the access log is written asynchronously: let the uploads' lines land
                var logBefore = azurite.OutputLines().Count;
                var watcherBefore = watcherRequests.Snapshot();
                var cpuBefore = processes.Select(p => p.CpuTime).ToList();
                var azuriteCpuBefore = azurite.CpuTime;

                await clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(BinaryData.FromString(Manifest(items)));
                var uploaded = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                await intake.IngestAsync(batchId, CancellationToken.None);
                await WaitClosedAsync(state, watcher, batchId);
                var wall = clock.Elapsed;
                var cpu = TimeSpan.FromTicks(processes.Select((p, i) => (p.CpuTime - cpuBefore[i]).Ticks).Sum());
                var azuriteCpu = azurite.CpuTime - azuriteCpuBefore;
                await Task.Delay(1000);
                var watcherSpent = watcherRequests.Snapshot() - watcherBefore;
                var lines = azurite.OutputLines().Skip(logBefore).ToList();
                if (accessLogFile is not null)
                    await File.WriteAllLinesAsync(accessLogFile, lines);
                await sampling.CancelAsync();
                await sampler;
                var rssEnd = processes.Select(p => p.RssKiB()).ToList();

                var rows = await state.GetItemsAsync(batchId, CancellationToken.None);
                // The manifest line's own upload is the client's: the first access-log line of the window is it.
                var seen = AccessLog.Count(lines, prefix) - new AccessLog.Counts(watcherSpent.Table, watcherSpent.Blob, watcherSpent.Queue, 0) - new AccessLog.Counts(0, 1, 0, 0);
                var deliveries = processes.Select((p, i) => p.JobsStarted - startedBefore[i]).Sum();
                var requests = new StorageRequests(seen.Table, seen.Blob, seen.Queue + deliveries, seen.Receives - deliveries);
                var handlerMs = rows.Where(r => r.JobId is not null).GroupBy(r => r.JobId).Sum(g => g.Max(r => r.TotalMs ?? 0));
                results.Add(new LoadResult(
                    batch + 1,
                    items,
                    workers,
                    rows.Count(r => r.State == ItemStates.Succeeded),
                    rows.Count(r => r.Attempts == 1),
                    rows.Count(r => r.Attempts > 1),
                    rows.Count(r => r.Attempts == 0),
                    wall,
                    rows.Select(r => ((r.FinishedAt ?? DateTimeOffset.MaxValue) - uploaded).TotalMilliseconds).ToArray(),
                    rows.Sum(r => r.ModelMs ?? 0),
                    handlerMs,
                    cpu,
                    azuriteCpu,
                    requests,
                    processes.Select((p, i) => new WorkerReport(i + 1, p.Pid, p.JobsFinished - jobsBefore[i], p.Redeliveries - redeliveriesBefore[i], rssAfterStart[i], rssStart[i], peak[i], rssEnd[i])).ToList()));
                ReportLeaseTrouble(processes, batch + 1);
            }
            return results;
        }
        finally
        {
            foreach (var p in processes)
                await p.StopAsync(TimeSpan.FromSeconds(30));
            foreach (var p in processes)
                p.Dispose();
        }
    }

    /// <summary>The workers' log lines about lost leases and repeated deliveries, on stderr: why an item ran twice.</summary>
    private static void ReportLeaseTrouble(IReadOnlyList<BenchWorkerProcess> processes, int batch)
    {
        string[] markers = ["lease", "no longer ours", "started again", "could not be settled"];
        for (var i = 0; i < processes.Count; i++)
            foreach (var line in processes[i].Lines.Where(l => markers.Any(m => l.Contains(m, StringComparison.OrdinalIgnoreCase))).Distinct())
                Console.Error.WriteLine($"batch {batch}, worker {i + 1}: {line}");
    }

    private static string Manifest(int items) =>
        string.Join('\n', Enumerable.Range(0, items).Select(i => $"{{\"id\": \"item-{i:D4}\", \"input\": [\"i{i:D4}.png\"]}}"));

    private static async Task UploadAsync(StorageClients clients, string batchId, int items, bool manifest = true)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, items), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var png = ImageWriter.ToPngBytes(RgbImage.Filled(BenchModel.Resolution, BenchModel.Resolution, i % 7 / 7f, i % 11 / 11f, 0.5f));
            await clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, $"i{i:D4}.png")).UploadAsync(BinaryData.FromBytes(png), ct);
        });
        if (manifest)
            await clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(BinaryData.FromString(Manifest(items)));
    }

    /// <summary>Until the batch is closed and its last message deleted (it is deleted just after the batch closes).</summary>
    private static async Task WaitClosedAsync(JobStateStore state, StorageClients watcher, string batchId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromHours(1);
        while ((await state.GetBatchAsync(batchId, CancellationToken.None))?.State is not (BatchStates.Finished or BatchStates.Cancelled))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Batch {batchId} did not close in an hour.");
            await Task.Delay(100);
        }
        var queue = watcher.Queue(watcher.QueueNames.Generate);
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            await Task.Delay(100);
    }
}
