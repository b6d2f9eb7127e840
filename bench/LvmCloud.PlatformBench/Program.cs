using System.Globalization;
using LvmCloud.Local;
using LvmCloud.PlatformBench;
using LvmCloud.Vision.Native;

// Platform overhead: per-item time spent outside the model (queue, storage, state) for a batch through Azurite,
// with 1 and 2 workers, and storage requests per item for batches of different sizes (1 worker).
// Usage: dotnet run -c Release --project bench/LvmCloud.PlatformBench -- [--items 200] [--workers 1,2]
// [--request-sizes 100,2000] [--per-message 4] [--storage CONNECTION_STRING] (default: starts Azurite from local/node_modules).
// --tokenize instead: images/s of tokenize jobs through Azurite against in-process tokenization of the same images
// [--sentences 500] [--images-per-sentence 4] [--chunk-sizes 1000,125] [--rounds 3] [--threads N] [--models DIR] [--tokenizer name/version | --vqgan-preset lvm] [--job-images-per-batch N].
// --load instead: 1,000 items through Azurite and 3 worker processes: items/s, overhead per item, latency percentiles
// from the manifest upload to each result, each item run once, storage requests per item, each worker's memory
// [--items 1000] [--workers 3] [--per-message 4] [--warmup-items 24] [--batches 1: measured batches one after another on the same workers] [--access-log FILE: Azurite's access log of the measured window].
// --generation-batch instead: worker items/s at generation batch sizes (Worker:Generate:BatchRows), the bundled model and
// the 20M bench model side by side, one worker host, all torch threads [--rows 4,16,64] [--items 128] [--items-20m 64] [--per-message 4] [--models bundled,20m].
TorchRuntime.EnsureLoaded();
if (args.Contains("--generation-batch"))
    return await GenerationBatchMode();
if (args.Contains("--tokenize"))
    return await TokenizeMode();
if (args.Contains("--load"))
    return await LoadMode();
TorchSharp.torch.set_num_threads(1);

var items = IntArg("--items", 200);
var perMessage = IntArg("--per-message", 4);
var workerCounts = (Arg("--workers") ?? "1,2").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();
var storage = Arg("--storage");
var requestSizes = (Arg("--request-sizes") ?? "100,2000").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();

using var azurite = storage is null ? await AzuriteProcess.StartAsync(FindRepoRoot()) : null;
var connectionString = storage ?? azurite!.ConnectionString;
var temp = Directory.CreateTempSubdirectory("lvm-platform-bench-");
try
{
    BenchModel.Save(temp.FullName);
    Console.Error.WriteLine("warm-up (8 items, not reported)...");
    await BenchRun.RunAsync(connectionString, temp.FullName, 8, 1, perMessage);
    var results = new List<BenchResult>();
    foreach (var workers in workerCounts)
    {
        Console.Error.WriteLine($"{items} items, {workers} worker(s)...");
        results.Add(await BenchRun.RunAsync(connectionString, temp.FullName, items, workers, perMessage));
    }
    var sized = new List<BenchResult>();
    foreach (var size in requestSizes)
    {
        Console.Error.WriteLine($"{size} items, 1 worker, counting storage requests...");
        sized.Add(await BenchRun.RunAsync(connectionString, temp.FullName, size, 1, perMessage));
    }

    Console.WriteLine($"{items} items, {perMessage} per message, tiny model (16 px, 64 tokens), 1 torch thread, worker concurrency 1, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("| workers | items ok | results.jsonl writes | wall s | items/s | intake ms/item | mean queue wait ms | model ms/item | outside model ms/item |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in results)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Workers} | {r.Succeeded}/{r.Items} | {r.ResultsWritten} | {r.Wall.TotalSeconds:0.0} | {r.ItemsPerSecond:0.0} | {r.IntakeMsPerItem:0.0} | {r.MeanQueueWaitMs:0} | {r.ModelMsPerItem:0.0} | {r.OutsideModelMsPerItem:0.0} |"));
    Console.WriteLine();
    Console.WriteLine("Storage requests per item, intake to the batch closed (1 worker; the client's uploads not counted; empty receives of an idle worker shown apart):");
    Console.WriteLine();
    Console.WriteLine("| items | messages | table | blob | queue | total per item | total requests | empty receives |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in sized)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Items} | {(r.Items + perMessage - 1) / perMessage} | {r.Requests.Table / (double)r.Items:0.00} | {r.Requests.Blob / (double)r.Items:0.00} | {r.Requests.Queue / (double)r.Items:0.00} | {r.Requests.Total / (double)r.Items:0.00} | {r.Requests.Total} | {r.Requests.EmptyReceives} |"));
    if (sized.Count >= 2)
    {
        double first = sized[0].Requests.Total / (double)sized[0].Items, last = sized[^1].Requests.Total / (double)sized[^1].Items;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"per-item requests, {sized[^1].Items} vs {sized[0].Items} items: {last / first:0.000}x (target: within 10%)"));
    }
    return results.Concat(sized).All(r => r.Succeeded == r.Items && r.ResultsWritten == 1) ? 0 : 1;
}
finally
{
    temp.Delete(recursive: true);
}

async Task<int> TokenizeMode()
{
    var threads = IntArg("--threads", Environment.ProcessorCount);
    TorchSharp.torch.set_num_threads(threads);
    var sentences = IntArg("--sentences", 500);
    var perSentence = IntArg("--images-per-sentence", 4);
    var rounds = IntArg("--rounds", 3);
    var chunkSizes = (Arg("--chunk-sizes") ?? "1000,125").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();
    var models = Arg("--models") ?? Path.Combine(FindRepoRoot(), "models");
    var tokenizer = (Arg("--tokenizer") ?? "fmnist-lvm/latest").Split('/') is [var name, var version] ? new LvmCloud.Platform.Queues.ModelReference(name, version)
        : throw new ArgumentException("--tokenizer is name/version.");
    var presetModels = Arg("--vqgan-preset") is { } preset ? Directory.CreateTempSubdirectory("lvm-bench-vqgan-") : null;
    if (presetModels is not null)
    {
        tokenizer = BenchModel.SaveTokenizer(presetModels.FullName, Arg("--vqgan-preset")!);
        models = presetModels.FullName;
    }
    using var tokenizeAzurite = Arg("--storage") is null ? await AzuriteProcess.StartAsync(FindRepoRoot()) : null;
    Console.Error.WriteLine($"tokenize: {sentences} sentences x {perSentence} images, chunk sizes {string.Join(", ", chunkSizes)}, {rounds} rounds...");
    List<TokenizeBenchResult> measured;
    try
    {
        measured = await TokenizeBench.RunAsync(Arg("--storage") ?? tokenizeAzurite!.ConnectionString, models, tokenizer, sentences, perSentence, chunkSizes, rounds, Arg("--job-images-per-batch") is { } b ? int.Parse(b, CultureInfo.InvariantCulture) : null,
            tokenizeAzurite is null ? null : () => tokenizeAzurite.CpuTime);
    }
    finally
    {
        presetModels?.Delete(recursive: true);
    }

    Console.WriteLine($"{sentences * perSentence} images (28x28 PNG, {sentences} sentences of {perSentence}), tokenizer {tokenizer}{(presetModels is null ? "" : " (random weights)")}, {threads} torch threads, worker concurrency 1, {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine("| round | path | lines per chunk | jobs | wall s | images/s | vs in-process | Azurite CPU s | storage requests per image (blob / table / queue) |");
    Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---|");
    foreach (var round in measured.GroupBy(r => r.Round))
    {
        var local = round.Single(r => r.Path == "in-process");
        foreach (var r in round)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Round} | {r.Path} | {r.ChunkSize} | {r.Jobs} | {r.Wall.TotalSeconds:0.00} | {r.ImagesPerSecond:0} | {r.ImagesPerSecond / local.ImagesPerSecond * 100:0}% | {(r.StorageCpu is { } cpu ? cpu.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "-")} | {(r.Requests is { } q ? $"{q.Blob / (double)r.Images:0.00} / {q.Table / (double)r.Images:0.000} / {q.Queue / (double)r.Images:0.000}" : "-")} |"));
    }
    Console.WriteLine();
    foreach (var size in chunkSizes)
    {
        double jobs = measured.Where(r => r.Path != "in-process" && r.ChunkSize == size).Sum(r => r.Wall.TotalSeconds);
        double local = measured.Where(r => r.Path == "in-process").Sum(r => r.Wall.TotalSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chunks of {size} lines, all rounds: tokenize jobs reach {local / jobs * 100:0}% of the in-process rate (target: at least 90%)"));
    }
    return 0;
}

async Task<int> LoadMode()
{
    var loadItems = IntArg("--items", 1000);
    var loadWorkers = IntArg("--workers", 3);
    var loadPerMessage = IntArg("--per-message", 4);
    var models = Directory.CreateTempSubdirectory("lvm-load-bench-");
    List<LoadResult> measured;
    try
    {
        BenchModel.Save(models.FullName);
        measured = await LoadBench.RunAsync(FindRepoRoot(), models.FullName, loadItems, loadWorkers, loadPerMessage, IntArg("--warmup-items", 24), IntArg("--batches", 1), Arg("--access-log"));
    }
    finally
    {
        models.Delete(recursive: true);
    }

    var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
    Console.WriteLine($"{loadItems} items a batch, {loadPerMessage} per message, {loadWorkers} worker processes (concurrency 1, 1 torch thread each), tiny model (16 px, 64 tokens), {Environment.ProcessorCount} cores, load average at the end {string.Join(' ', load)}");
    Console.WriteLine();
    Console.WriteLine("| batch | items ok | run once | run twice or more | never run | wall s | items/s | p50 s | p95 s | p99 s | model ms/item | handler outside model ms/item | worker CPU ms/item | Azurite CPU ms/item |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in measured)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Batch} | {r.Succeeded}/{r.Items} | {r.RunOnce} | {r.RunMoreThanOnce} | {r.NeverRun} | {r.Wall.TotalSeconds:0.0} | {r.ItemsPerSecond:0.0} | {r.Percentile(50) / 1000:0.0} | {r.Percentile(95) / 1000:0.0} | {r.Percentile(99) / 1000:0.0} | {r.ModelMsTotal / r.Items:0.0} | {(r.HandlerMsTotal - r.ModelMsTotal) / r.Items:0.0} | {r.WorkerCpu.TotalMilliseconds / r.Items:0.0} | {r.AzuriteCpu.TotalMilliseconds / r.Items:0.0} |"));
    Console.WriteLine();
    Console.WriteLine("| batch | table | blob | queue | storage requests per item | total requests | empty receives (apart) |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in measured)
    {
        var q = r.Requests;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Batch} | {q.Table / (double)r.Items:0.00} | {q.Blob / (double)r.Items:0.00} | {q.Queue / (double)r.Items:0.00} | {q.Total / (double)r.Items:0.00} | {q.Total} | {q.EmptyReceives} |"));
    }
    Console.WriteLine();
    Console.WriteLine("| worker | batch | jobs finished | redeliveries | RSS after start MiB | RSS at the batch's start MiB | RSS peak MiB | RSS at the batch's end MiB | end vs start |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var (r, w) in measured.SelectMany(r => r.WorkerReports.Select(w => (r, w))).OrderBy(x => x.w.Index).ThenBy(x => x.r.Batch))
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {w.Index} | {r.Batch} | {w.JobsFinished} | {w.Redeliveries} | {w.RssAfterStartKiB / 1024.0:0.0} | {w.RssStartKiB / 1024.0:0.0} | {w.RssPeakKiB / 1024.0:0.0} | {w.RssEndKiB / 1024.0:0.0} | {(w.RssEndKiB - w.RssStartKiB) / 1024.0:+0.0;-0.0;0.0} MiB |"));
    var ok = measured.All(r => r.Succeeded == r.Items && r.RunOnce == r.Items);
    Console.WriteLine();
    foreach (var r in measured)
        Console.WriteLine(r.Succeeded == r.Items && r.RunOnce == r.Items
            ? $"batch {r.Batch}: all {r.Items} items succeeded, each run exactly once"
            : $"batch {r.Batch}: NOT all items ran exactly once: {r.RunMoreThanOnce} more than once, {r.NeverRun} never, {r.Items - r.Succeeded} not succeeded");
    return ok ? 0 : 1;
}

async Task<int> GenerationBatchMode()
{
    var rowCounts = (Arg("--rows") ?? "4,16,64").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToList();
    var chosen = (Arg("--models") ?? "bundled,20m").Split(',', StringSplitOptions.RemoveEmptyEntries);
    var batchPerMessage = IntArg("--per-message", 4);
    var repo = FindRepoRoot();
    var bundledFolder = Path.Combine(repo, "models", "fmnist-lvm");
    var models = Directory.CreateTempSubdirectory("lvm-generation-batch-bench-");
    using var batchAzurite = Arg("--storage") is null ? await AzuriteProcess.StartAsync(repo) : null;
    var connection = Arg("--storage") ?? batchAzurite!.ConnectionString;
    var measured = new List<GenerationBatchResult>();
    try
    {
        // The bundled model is found in a models folder as fmnist-lvm/latest; the 20M one is saved next to a copy of it.
        Directory.CreateDirectory(Path.Combine(models.FullName, "fmnist-lvm"));
        foreach (var file in Directory.EnumerateFiles(bundledFolder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(models.FullName, "fmnist-lvm", Path.GetRelativePath(bundledFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var runs = new List<(LvmCloud.Platform.Queues.ModelReference Model, int Items)>();
        if (chosen.Contains("bundled"))
            runs.Add((new("fmnist-lvm", "latest"), IntArg("--items", 128)));
        if (chosen.Contains("20m"))
            runs.Add((GenerationBatchBench.Save20M(models.FullName, bundledFolder), IntArg("--items-20m", 64)));
        foreach (var (model, count) in runs)
        {
            Console.Error.WriteLine($"{model}: warm-up (16 items, not reported)...");
            await GenerationBatchBench.RunAsync(connection, models.FullName, model, rowCounts.Max(), 16, batchPerMessage);
            foreach (var rows in rowCounts)
            {
                Console.Error.WriteLine($"{model}: {count} items, batches of up to {rows} rows...");
                measured.Add(await GenerationBatchBench.RunAsync(connection, models.FullName, model, rows, count, batchPerMessage));
            }
        }
    }
    finally
    {
        models.Delete(recursive: true);
    }

    var loadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
    Console.WriteLine($"One-frame items (28 px PNGs, 64 new tokens each), {batchPerMessage} per message, 1 worker host (concurrency 1, receive 2 batches' worth of messages, at most 32), {TorchSharp.torch.get_num_threads()} torch threads, {Environment.ProcessorCount} cores, CPU, load average at the end {string.Join(' ', loadAverage)}");
    Console.WriteLine();
    Console.WriteLine($"| model | batch rows | items ok | model calls | rows per call | wall s | items/s | vs {rowCounts[0]} rows | model ms/item |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var r in measured)
    {
        var baseline = measured.FirstOrDefault(m => m.Model == r.Model && m.Rows == rowCounts[0]) ?? r;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.Model} | {r.Rows} | {r.Succeeded}/{r.Items} | {r.ModelCalls} | {r.RowsPerCall:0.0} | {r.Wall.TotalSeconds:0.0} | {r.ItemsPerSecond:0.0} | {r.ItemsPerSecond / baseline.ItemsPerSecond:0.00}x | {r.ModelMsPerItem:0.0} |"));
    }
    return measured.All(r => r.Succeeded == r.Items) ? 0 : 1;
}

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

int IntArg(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "LvmCloud.sln")))
            return dir.FullName;
    throw new InvalidOperationException("LvmCloud.sln not found above the benchmark's binaries; pass --storage CONNECTION_STRING.");
}
