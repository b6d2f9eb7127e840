using System.Diagnostics;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Datasets;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Worker;
using LvmCloud.Worker.Tokenize;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace LvmCloud.PlatformBench;

/// <summary>One measurement: how a dataset's images were tokenized, and how fast.</summary>
internal sealed record TokenizeBenchResult(int Round, string Path, int ChunkSize, int Jobs, int Images, TimeSpan Wall, TimeSpan? StorageCpu, RequestCounter.Counts? Requests)
{
    public double ImagesPerSecond => Images / Wall.TotalSeconds;
}

/// <summary>
/// Images per second of retokenizing one dataset: in-process (<see cref="DatasetTokenizer"/> over a folder, what
/// <c>lvm tokenize-dataset</c> runs) against <c>tokenize</c> jobs through Azurite (planning, a worker host built as
/// Program.cs builds it reading the images from blob storage, shards and index written back), on the same images
/// and tokenizer, alternating in one run. Both load the tokenizer before the clock starts.
/// </summary>
internal static class TokenizeBench
{
    private const string ImageFolder = "img";

    public static async Task<List<TokenizeBenchResult>> RunAsync(
        string connectionString, string modelsDirectory, ModelReference tokenizerModel, int sentences, int imagesPerSentence, IReadOnlyList<int> chunkSizes, int rounds, int? jobImagesPerBatch, Func<TimeSpan>? storageCpu)
    {
        var temp = Directory.CreateTempSubdirectory("lvm-tokenize-bench-");
        try
        {
            var folder = Path.Combine(temp.FullName, "dataset");
            WriteDataset(folder, sentences, imagesPerSentence);
            var tokenizerFolder = Path.Combine(LocalModelFolders.Find(modelsDirectory, tokenizerModel, tokenizerOnly: true)
                ?? throw new DirectoryNotFoundException($"Tokenizer {tokenizerModel} is not under {modelsDirectory}."), LocalModelFolders.TokenizerFolder);
            var images = sentences * imagesPerSentence;
            var results = new List<TokenizeBenchResult>();

            using var tokenizer = VqganTokenizer.Load(tokenizerFolder, maxBatchSize: new TokenizeOptions().ImagesPerBatch);
            var dataset = await SentenceDataset.OpenAsync(new FolderStore(folder));
            await InProcessAsync(tokenizer, dataset, dataset.Sentences.Take(8).ToList(), Path.Combine(temp.FullName, "warm-up")); // not reported

            var platforms = new List<PlatformRun>();
            foreach (var size in chunkSizes)
                platforms.Add(await PlatformRun.StartAsync(connectionString, modelsDirectory, tokenizerModel, size, folder, jobImagesPerBatch));
            try
            {
                foreach (var platform in platforms)
                    await platform.TokenizeAsync(force: false); // the first run of each: a warm-up, not reported
                for (var round = 1; round <= rounds; round++)
                {
                    var cpu = storageCpu?.Invoke();
                    var clock = Stopwatch.StartNew();
                    await InProcessAsync(tokenizer, dataset, dataset.Sentences, Path.Combine(temp.FullName, "out"));
                    results.Add(new TokenizeBenchResult(round, "in-process", sentences, 1, images, clock.Elapsed, StorageCpuSince(cpu), null));
                    // The same in-process call, its images read from the dataset in Azurite: what storage alone costs here.
                    var remote = await SentenceDataset.OpenAsync(platforms[0].DatasetStore, new SentenceDatasetOptions { MaxParallelReads = new TokenizeOptions().ParallelReads });
                    cpu = storageCpu?.Invoke();
                    clock.Restart();
                    await InProcessAsync(tokenizer, remote, remote.Sentences, Path.Combine(temp.FullName, "out"));
                    results.Add(new TokenizeBenchResult(round, "in-process, images from Azurite", sentences, 1, images, clock.Elapsed, StorageCpuSince(cpu), null));
                    foreach (var platform in platforms)
                    {
                        cpu = storageCpu?.Invoke();
                        var (wall, jobs, requests) = await platform.TokenizeAsync(force: true);
                        results.Add(new TokenizeBenchResult(round, "tokenize jobs", platform.ChunkSize, jobs, images, wall, StorageCpuSince(cpu), requests));
                    }
                }
            }
            finally
            {
                foreach (var platform in platforms)
                    await platform.DisposeAsync();
            }
            return results;
        }
        finally
        {
            temp.Delete(recursive: true);
        }

        TimeSpan? StorageCpuSince(TimeSpan? before) => before is { } b && storageCpu is not null ? storageCpu() - b : null;
    }

    private static Task InProcessAsync(VqganTokenizer tokenizer, SentenceDataset dataset, IReadOnlyList<VisualSentence> sentences, string output) =>
        new DatasetTokenizer(tokenizer, new DatasetTokenizerOptions { ImagesPerBatch = new TokenizeOptions().ImagesPerBatch })
            .TokenizeAsync(dataset, sentences, new FolderStore(output), "tokens");

    /// <summary>28×28 grey pictures (Fashion-MNIST's size), each one different, in sentences of <paramref name="imagesPerSentence"/>.</summary>
    private static void WriteDataset(string folder, int sentences, int imagesPerSentence)
    {
        const int side = 28;
        var lines = new List<string>(sentences);
        var gray = new float[side * side];
        for (var s = 0; s < sentences; s++)
        {
            var paths = new List<string>();
            for (var f = 0; f < imagesPerSentence; f++)
            {
                var n = s * imagesPerSentence + f;
                for (var y = 0; y < side; y++)
                    for (var x = 0; x < side; x++)
                        gray[y * side + x] = ((x * (n % 5 + 1) + y * (n % 7 + 1) + n) % 23) / 22f;
                var path = $"{ImageFolder}/{s:D5}/{f:D2}.png";
                Directory.CreateDirectory(Path.Combine(folder, ImageFolder, $"{s:D5}"));
                ImageWriter.SavePng(RgbImage.FromGray(side, side, gray), Path.Combine(folder, path));
                paths.Add(path);
            }
            lines.Add(VisualSentenceParser.Format(paths, SentenceKinds.Sequence, $"s{s:D5}"));
        }
        File.WriteAllText(Path.Combine(folder, SentenceDatasetWriter.SentencesFileName), string.Join('\n', lines) + "\n");
    }

    /// <summary>The platform side for one chunk size: storage services, a dataset in Azurite, one worker host.</summary>
    private sealed class PlatformRun : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly IHost _worker;
        private readonly RequestCounter _counter;
        private readonly string _dataset;
        private readonly string _tokenizerId;
        private readonly TokenizeStateStore _watch;

        private PlatformRun(ServiceProvider services, IHost worker, RequestCounter counter, string dataset, string tokenizerId, TokenizeStateStore watch, int chunkSize)
        {
            (_services, _worker, _counter, _dataset, _tokenizerId, _watch, ChunkSize) = (services, worker, counter, dataset, tokenizerId, watch, chunkSize);
        }

        public int ChunkSize { get; }

        /// <summary>The dataset's folder in the <c>datasets</c> container.</summary>
        public IFileStore DatasetStore => new BlobStore(_services.GetRequiredService<StorageClients>().Datasets, StorageLayout.DatasetPrefix(_dataset));

        public static async Task<PlatformRun> StartAsync(string connectionString, string modelsDirectory, ModelReference tokenizer, int chunkSize, string folder, int? imagesPerBatch)
        {
            var counter = new RequestCounter();
            var settings = new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = connectionString,
                ["Storage:QueuePrefix"] = $"tbench-{Guid.NewGuid():N}"[..16] + "-",
                ["Tokenize:ChunkSize"] = chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Tokenize:DefaultTokenizerName"] = tokenizer.Name,
                ["Tokenize:DefaultTokenizerVersion"] = tokenizer.Version,
                ["Tokenize:ModelsDirectory"] = modelsDirectory,
                ["Worker:ModelsDirectory"] = modelsDirectory,
                ["Worker:Concurrency"] = "1",
                ["Worker:Queues"] = QueueNames.TokenizeKind,
                ["Worker:PollInterval"] = "00:00:00.020",
                ["Worker:MaxPollInterval"] = "00:00:00.100",
                ["Worker:VisibilityTimeout"] = "00:02:00",
            };
            if (imagesPerBatch is { } batch)
                settings["Tokenize:ImagesPerBatch"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var services = await BenchServices.StartAsync(settings, counter);
            var clients = services.GetRequiredService<StorageClients>();
            var dataset = $"bench-{chunkSize}-{Guid.NewGuid():N}"[..24];
            var store = new BlobStore(clients.Datasets, StorageLayout.DatasetPrefix(dataset));
            var files = Directory.EnumerateFiles(folder, "*.png", SearchOption.AllDirectories).ToList();
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
                await store.UploadFileAsync(Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/'), file, ct));
            await store.UploadFileAsync(SentenceDatasetWriter.SentencesFileName, Path.Combine(folder, SentenceDatasetWriter.SentencesFileName));

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>().Value, null, counter.Configure));
            builder.Services.AddLvmWorker();
            var worker = builder.Build();
            await worker.Services.GetRequiredService<TokenizerCache>().GetAsync(tokenizer, CancellationToken.None);
            await worker.StartAsync();

            var tokenizerId = await services.GetRequiredService<TokenizerIdentity>().ResolveAsync(tokenizer, CancellationToken.None);
            // Watched through clients of its own, so that the benchmark's polling is not counted as the platform's.
            var watch = new TokenizeStateStore(new StorageClients(services.GetRequiredService<IOptions<StorageOptions>>().Value), services.GetRequiredService<ResiliencePipelineProvider<string>>());
            return new PlatformRun(services, worker, counter, dataset, tokenizerId, watch, chunkSize);
        }

        /// <summary>Plans the dataset (forced: every chunk) and waits until the run is closed and its last message deleted.</summary>
        public async Task<(TimeSpan Wall, int Jobs, RequestCounter.Counts Requests)> TokenizeAsync(bool force)
        {
            var before = _counter.Snapshot();
            var started = DateTimeOffset.UtcNow;
            var plan = await _services.GetRequiredService<TokenizePlanner>().PlanAsync(_dataset, new TokenizeRequest(force), TokenizePlanner.ApiTrigger, CancellationToken.None);
            if (plan.Status != TokenizePlanOutcome.Planned)
                throw new InvalidOperationException($"The benchmark's plan was {plan.Status}: {plan.Message}");
            // Polled slowly (Azurite serves the polls on the same cores); the run's own close time ends the clock.
            var partition = TokenizePartition.For(_dataset, _tokenizerId);
            while ((await _watch.GetWatermarkAsync(partition, CancellationToken.None)) is not { ActiveRunId: null } watermark || watermark.LastRunId != plan.RunId)
                await Task.Delay(250);
            var run = await _watch.GetRunAsync(partition, plan.RunId!, CancellationToken.None);
            if (run!.Outcome != TokenizeStates.OutcomeSucceeded)
                throw new InvalidOperationException($"Run {plan.RunId} ended {run.Outcome}.");
            var wall = run.FinishedAt!.Value - started;
            return (wall, plan.ChunksQueued, _counter.Snapshot() - before);
        }

        public async ValueTask DisposeAsync()
        {
            await _worker.StopAsync(TimeSpan.FromSeconds(10));
            _worker.Dispose();
            await _services.DisposeAsync();
        }
    }
}
