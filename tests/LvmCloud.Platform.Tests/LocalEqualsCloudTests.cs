using System.Text;
using LvmCloud.Cli.Batches;
using LvmCloud.Core.Results;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Pipelines;
using static TorchSharp.torch;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// The same manifest, model and seeds, run by <c>lvm complete</c> on folders and by the platform (intake, the queue,
/// a worker host with the real model) on Azurite: the same result records (timings aside), the same file names and
/// byte-identical PNGs, contact sheets included.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalEqualsCloudTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-local-cloud-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task One_manifest_run_locally_and_through_the_platform_gives_the_same_records_files_and_pixels()
    {
        var models = Path.Combine(_temp.FullName, "models");
        var modelFolder = TinyModel.Save(models);
        var batch = Path.Combine(_temp.FullName, "batch");
        var files = new Dictionary<string, byte[]>
        {
            ["a.png"] = TestImages.Png(20, 12, 10),
            ["b.png"] = TestImages.Png(20, 12, 90),
            ["c.png"] = TestImages.Png(16, 16, 170),
            ["broken.png"] = Encoding.ASCII.GetBytes("this is not an image"),
        };
        string[] lines =
        [
            "{\"id\": \"two-frames\", \"input\": [\"a.png\", \"b.png\"], \"seed\": 3}",
            "{\"id\": \"candidates\", \"input\": [\"c.png\"], \"n_candidates\": 2}",
            "{\"id\": \"scored\", \"input\": [\"a.png\"], \"target\": [\"b.png\"], \"temperature\": 0.7, \"top_k\": 8}",
            "{\"id\": \"frames\", \"input\": [\"b.png\"], \"n_new_frames\": 2, \"resize_output\": \"original\"}",
            "{\"id\": \"typo\", \"inptu\": [\"a.png\"]}",
            "{\"id\": \"broken\", \"input\": [\"broken.png\"]}",
            "{\"id\": \"missing\", \"input\": [\"nope.png\"]}",
            "{\"id\": \"greedy\", \"input\": [\"c.png\", \"a.png\"], \"temperature\": 0, \"output\": \"next.png\"}",
        ];
        var manifest = string.Join('\n', lines) + "\n";
        Directory.CreateDirectory(Path.Combine(batch, "inputs"));
        foreach (var (name, bytes) in files)
            await File.WriteAllBytesAsync(Path.Combine(batch, "inputs", name), bytes);
        await File.WriteAllTextAsync(Path.Combine(batch, "manifest.jsonl"), manifest);

        // Locally: what `lvm complete --model DIR` runs.
        var local = Path.Combine(_temp.FullName, "local");
        set_num_threads(1);
        using (var model = LvmModel.Load(modelFolder))
            await new LocalBatchCompletion(new CompletionPipeline(model), itemsPerRun: 3)
                .RunAsync(Path.Combine(batch, "manifest.jsonl"), Path.Combine(batch, "inputs"), local);

        // Through the platform: inputs and manifest uploaded, intake, one worker with the real model.
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Intake:DefaultModelName"] = TinyModel.Name,
            ["Intake:DefaultModelVersion"] = TinyModel.Version,
            ["Intake:ItemsPerMessage"] = "2",
            ["Worker:ModelsDirectory"] = models,
            ["Worker:Device"] = "cpu",
        });
        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        foreach (var (name, bytes) in files)
            await harness.Clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, name)).UploadAsync(BinaryData.FromBytes(bytes));
        await harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(BinaryData.FromString(manifest));
        await harness.Get<Intake.BatchIntakeService>().IngestAsync(batchId, CancellationToken.None);
        await harness.StartWorkerAsync();
        Assert.Equal(BatchStates.Finished, (await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90))).State);

        var cloudResults = (await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync()).Value.Content.ToString();
        var localRecords = ResultsJsonl.Read(await File.ReadAllTextAsync(Path.Combine(local, LocalBatchCompletion.ResultsFileName))).Select(WithoutTimings).ToList();
        var cloudRecords = ResultsJsonl.Read(cloudResults).Select(WithoutTimings).ToList();
        Assert.Equal(lines.Length, localRecords.Count);
        Assert.Equal(localRecords.Select(ResultsJsonl.Serialize), cloudRecords.Select(ResultsJsonl.Serialize));
        Assert.Equal(5, localRecords.Count(r => r.Status == ResultStatus.Succeeded));
        Assert.All(localRecords.Where(r => r.Status == ResultStatus.Succeeded), r => Assert.NotNull(r.ContactSheet));

        var localFiles = Directory.EnumerateFiles(Path.Combine(local, "items"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(local, f).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal).ToList();
        var cloudFiles = new List<string>();
        await foreach (var blob in harness.Clients.Results.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{batchId}/items/", CancellationToken.None))
            cloudFiles.Add(blob.Name[(batchId.Length + 1)..]);
        Assert.Equal(localFiles, cloudFiles.Order(StringComparer.Ordinal));
        Assert.Contains("items/candidates/contact-sheet.png", localFiles);
        foreach (var file in localFiles.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            var cloudBytes = (await harness.Clients.Results.GetBlobClient($"{batchId}/{file}").DownloadContentAsync()).Value.Content.ToArray();
            Assert.True((await File.ReadAllBytesAsync(Path.Combine(local, file))).SequenceEqual(cloudBytes), $"{file} differs");
        }
    }

    private static ResultRecord WithoutTimings(ResultRecord record) => record with { Timings = null };
}
