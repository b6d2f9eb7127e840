using System.Diagnostics;
using System.Globalization;
using LvmCloud.Core.Images;
using LvmCloud.Platform;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace LvmCloud.PlatformBench;

/// <summary>What one generation-batch run measured.</summary>
internal sealed record GenerationBatchResult(string Model, int Rows, int Items, int Succeeded, long ModelCalls, long RowsRun, TimeSpan Wall, TimeSpan ModelTime)
{
    public double ItemsPerSecond => Items / Wall.TotalSeconds;
    public double RowsPerCall => RowsRun / (double)ModelCalls;
    public double ModelMsPerItem => ModelTime.TotalMilliseconds / Items;
}

/// <summary>
/// Worker items/s at several generation batch sizes (<c>Worker:Generate:BatchRows</c>): a batch of one-frame items
/// through intake, the queue and one worker host built as Program.cs builds it (concurrency 1, the real model through
/// <see cref="ModelCache"/>, loaded before the clock starts), receiving enough messages per receive to fill a batch
/// while the previous one runs.
/// </summary>
internal static class GenerationBatchBench
{
    public const string Bench20MName = "bench-20m";

    /// <summary>
    /// The <c>bench_20m</c> transformer preset (random weights, about 20M parameters) behind the bundled model's
    /// tokenizer (32 px, 64 tokens a frame), as <paramref name="root"/>/bench-20m/1: the bundled model's work per token
    /// with a transformer ten times its size.
    /// </summary>
    public static ModelReference Save20M(string root, string bundledFolder)
    {
        var folder = Path.Combine(root, Bench20MName, "1");
        var tokenizer = Directory.CreateDirectory(Path.Combine(folder, LvmModel.TokenizerFolder)).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(bundledFolder, LvmModel.TokenizerFolder)))
            File.Copy(file, Path.Combine(tokenizer, Path.GetFileName(file)));
        manual_seed(0);
        using (var transformer = new LlamaForCausalLM(LlamaPresets.Get("bench_20m")))
            transformer.SavePretrained(Path.Combine(folder, LvmModel.TransformerFolder));
        new LvmModelSettings(ContextFrames: 4, Bench20MName, "1").Save(folder);
        return new ModelReference(Bench20MName, "1");
    }

    public static async Task<GenerationBatchResult> RunAsync(string connectionString, string modelsDirectory, ModelReference model, int rows, int items, int perMessage)
    {
        var receive = Math.Clamp(2 * ((rows + perMessage - 1) / perMessage), 1, WorkerOptions.MaxReceiveBatch);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:QueuePrefix"] = $"gb{rows}-{Guid.NewGuid():N}"[..16] + "-",
            ["Intake:ItemsPerMessage"] = perMessage.ToString(CultureInfo.InvariantCulture),
            ["Intake:DefaultModelName"] = model.Name,
            ["Intake:DefaultModelVersion"] = model.Version,
            ["Worker:Concurrency"] = "1",
            ["Worker:ReceiveBatch"] = receive.ToString(CultureInfo.InvariantCulture),
            ["Worker:Generate:BatchRows"] = rows.ToString(CultureInfo.InvariantCulture),
            ["Worker:Queues"] = QueueNames.GenerateKind,
            ["Worker:ModelsDirectory"] = modelsDirectory,
            ["Worker:Device"] = "cpu",
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
            ["Worker:VisibilityTimeout"] = "00:01:00",
        };
        await using var services = await BenchServices.StartAsync(settings);
        var clients = services.GetRequiredService<StorageClients>();
        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        await UploadBatchAsync(clients, batchId, items);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<ModelCache>();
        builder.Services.AddSingleton(sp => new TimedCompleter(sp.GetRequiredService<ModelCache>()));
        builder.Services.AddSingleton<IModelSource>(sp => sp.GetRequiredService<TimedCompleter>());
        builder.Services.AddLvmWorker();
        using var host = builder.Build();
        await host.Services.GetRequiredService<ModelCache>().GetAsync(model, CancellationToken.None);
        await host.StartAsync();
        try
        {
            var state = services.GetRequiredService<JobStateStore>();
            var started = Stopwatch.GetTimestamp();
            await services.GetRequiredService<BatchIntakeService>().IngestAsync(batchId, CancellationToken.None);
            while ((await state.GetBatchAsync(batchId, CancellationToken.None))?.State is not (BatchStates.Finished or BatchStates.Cancelled))
                await Task.Delay(20);
            var wall = Stopwatch.GetElapsedTime(started);
            var rowsDone = await state.GetItemsAsync(batchId, CancellationToken.None);
            var stats = host.Services.GetRequiredService<WorkerStats>();
            return new GenerationBatchResult(model.ToString(), rows, items, rowsDone.Count(r => r.State == ItemStates.Succeeded),
                stats.GenerationBatches, stats.GenerationBatchRows, wall, host.Services.GetRequiredService<TimedCompleter>().Elapsed);
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>One-frame items on 28 px PNGs, each image different.</summary>
    private static async Task UploadBatchAsync(StorageClients clients, string batchId, int items)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, items), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var png = ImageWriter.ToPngBytes(RgbImage.Filled(28, 28, i % 7 / 7f, i % 11 / 11f, i % 13 / 13f));
            await clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, $"i{i:D4}.png")).UploadAsync(BinaryData.FromBytes(png), ct);
        });
        var lines = Enumerable.Range(0, items).Select(i => $"{{\"id\": \"item-{i:D4}\", \"input\": [\"i{i:D4}.png\"]}}");
        await clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(BinaryData.FromString(string.Join('\n', lines)));
    }
}
