using LvmCloud.Core.Datasets;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Datasets;
using LvmCloud.Vision.Tokenizer;

namespace LvmCloud.Platform.Tests.Faults;

/// <summary>
/// A worker process killed outright (SIGKILL: no shutdown code runs) in the middle of a job, and another started in its
/// place: the job is delivered again once its visibility timeout runs out, every item ends once, and the outputs are the
/// bytes an undisturbed run writes. (The same for <c>train-shard</c>, resuming from its checkpoint:
/// <see cref="Training.TrainingRecoveryTests"/>.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WorkerKillTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-kill-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Models => Path.Combine(_temp.FullName, "models");

    private Dictionary<string, string?> WorkerSettings(PlatformHarness harness, string kind) => new()
    {
        ["Storage:ConnectionString"] = harness.Settings["Storage:ConnectionString"],
        ["Storage:QueuePrefix"] = harness.Settings["Storage:QueuePrefix"],
        ["Worker:Queues"] = kind,
        ["Worker:Concurrency"] = "1",
        ["Worker:VisibilityTimeout"] = "00:00:03",
        ["Worker:RetryDelay"] = "00:00:00",
        ["Worker:PollInterval"] = "00:00:00.050",
        ["Worker:MaxPollInterval"] = "00:00:00.250",
        ["Worker:ModelsDirectory"] = Models,
        ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
        ["Tokenize:ModelsDirectory"] = Models,
        ["Training:TorchThreads"] = "1",
    };

    [Fact]
    public async Task A_worker_killed_mid_generate_message_is_replaced_and_every_item_ends_once_with_the_bytes_of_an_undisturbed_run()
    {
        // Four layers and two new frames per item: long enough a generation to be killed in, the same codes' size.
        TinyModel.Save(Models, layers: 4);
        const int items = 4;
        string Fields(int i) => "\"n_new_frames\": 2";
        var overrides = new Dictionary<string, string?> { ["Worker:ModelsDirectory"] = Models, ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache") };

        // The undisturbed run: the same items (ids, images, so seeds) through an in-process worker, on its own queues.
        string reference;
        var expected = new Dictionary<string, byte[]>();
        await using (var undisturbed = await PlatformHarness.CreateAsync(azurite, overrides))
        {
            (reference, _) = await BatchSeeder.SeedAsync(undisturbed, items, perMessage: items, fields: Fields);
            await undisturbed.StartWorkerAsync();
            Assert.Equal(items, (await undisturbed.WaitForBatchAsync(reference, Timeout)).ItemsSucceeded);
            await foreach (var blob in undisturbed.Clients.Results.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, StorageLayout.BatchPrefix(reference) + "items/", CancellationToken.None))
                if (blob.Name.EndsWith(".png", StringComparison.Ordinal))
                    expected[blob.Name[reference.Length..]] = (await undisturbed.Clients.Results.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
        }
        Assert.Equal(items * 3, expected.Count); // two frames and a contact sheet per item

        await using var harness = await PlatformHarness.CreateAsync(azurite, overrides);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items, perMessage: items, fields: Fields);
        var settings = WorkerSettings(harness, QueueNames.GenerateKind);
        using (var first = WorkerProcess.Start(settings))
        {
            await WaitUntilAsync(async () => (await harness.State.GetBatchAsync(batchId, CancellationToken.None))!.ItemsRunning == items, first);
            first.Kill();
        }
        var killed = await harness.State.GetBatchAsync(batchId, CancellationToken.None);
        Assert.Equal((items, 0), (killed!.ItemsRunning, killed.ItemsSucceeded)); // killed mid-generation: nobody settled them

        using var second = WorkerProcess.Start(settings);
        var batch = await harness.WaitForBatchAsync(batchId, Timeout);
        await second.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((BatchStates.Finished, items, 0), (batch.State, batch.ItemsSucceeded, batch.ItemsFailed));
        Assert.Contains(second.Lines, l => l.Contains("started again, delivery 2") && l.Contains("did not finish"));
        var rows = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        Assert.All(rows, r => Assert.Equal((ItemStates.Succeeded, 2), (r.State, r.Attempts)));
        var results = ResultsJsonl.Read((await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(rows.Select(r => r.ItemId).Order(), results.Select(r => r.Id).Order());
        foreach (var (name, bytes) in expected)
        {
            var actual = (await harness.Clients.Results.GetBlobClient(batchId + name).DownloadContentAsync()).Value.Content.ToArray();
            Assert.True(bytes.SequenceEqual(actual), $"{name} differs from the undisturbed run");
        }
    }

    [Fact]
    public async Task A_worker_killed_mid_tokenize_job_is_replaced_and_every_chunk_ends_once_with_the_shards_of_in_process_tokenization()
    {
        // Enough images per chunk (128) that a job outlasts the time from its "started" line to the kill.
        const int chunkSize = 8, chunks = 3, imagesPerSentence = 16;
        TinyModel.Save(Models);
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Tokenize:ChunkSize"] = $"{chunkSize}",
            ["Tokenize:DefaultTokenizerName"] = TinyModel.Name,
            ["Tokenize:DefaultTokenizerVersion"] = TinyModel.Version,
            ["Tokenize:ModelsDirectory"] = Models,
            ["Worker:ModelsDirectory"] = Models,
        });
        var dataset = new DatasetSeeder(harness, Path.Combine(_temp.FullName, "dataset"));
        try
        {
            dataset.AddSentences(chunkSize * chunks, images: imagesPerSentence);
            await dataset.UploadAsync();
            var tokenizerId = await harness.Get<TokenizerIdentity>().ResolveAsync(new ModelReference(TinyModel.Name, TinyModel.Version), CancellationToken.None);
            var planned = await harness.Get<TokenizePlanner>().PlanAsync(dataset.Name, TokenizeRequest.Default, TokenizePlanner.ApiTrigger, CancellationToken.None);
            Assert.Equal(chunks, planned.ChunksQueued);

            var settings = WorkerSettings(harness, QueueNames.TokenizeKind);
            using (var first = WorkerProcess.Start(settings))
            {
                // One at a time: when the second job starts, the first one's chunk is recorded and the second is in flight.
                await first.WaitForLineAsync(l => first.Lines.Count(x => x.Contains("(tokenize:") && x.EndsWith(" started", StringComparison.Ordinal)) >= 2, Timeout);
                first.Kill();
            }
            var partition = TokenizePartition.For(dataset.Name, tokenizerId);
            var killed = await harness.Get<TokenizeStateStore>().GetRunAsync(partition, planned.RunId!, CancellationToken.None);
            Assert.InRange(killed!.ChunksDone, 1, chunks - 1);

            using var second = WorkerProcess.Start(settings);
            var watermark = await harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, planned.RunId!, Timeout);
            await second.StopAsync(TimeSpan.FromSeconds(30));

            Assert.Equal((TokenizeStates.OutcomeSucceeded, chunks, (long)chunkSize * chunks), (watermark.LastRunOutcome, watermark.Shards, watermark.Sentences));
            var run = await harness.Get<TokenizeStateStore>().GetRunAsync(partition, planned.RunId!, CancellationToken.None);
            Assert.Equal((chunks, chunks, 0), (run!.ChunksTotal, run.ChunksSucceeded, run.ChunksFailed));
            Assert.Contains(second.Lines, l => l.Contains("started again, delivery 2"));

            using var tokenizer = VqganTokenizer.Load(Path.Combine(Models, TinyModel.Name, TinyModel.Version, "tokenizer"), maxBatchSize: 256);
            var local = await SentenceDataset.OpenAsync(new FolderStore(dataset.Folder));
            var inProcess = new FolderStore(Path.Combine(_temp.FullName, "in-process"));
            var tokens = new BlobStore(harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, tokenizerId));
            for (var k = 0; k < chunks; k++)
            {
                var shard = await new DatasetTokenizer(tokenizer).TokenizeAsync(local, local.Chunk(k, chunkSize), inProcess);
                Assert.Equal(await inProcess.ReadAllBytesAsync(shard.JsonlPath), await tokens.ReadAllBytesAsync(shard.JsonlPath));
                Assert.Equal(await inProcess.ReadAllBytesAsync(shard.BinaryPath), await tokens.ReadAllBytesAsync(shard.BinaryPath));
            }
        }
        finally
        {
            await dataset.DeleteAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, WorkerProcess worker)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (worker.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException("Condition not met in time:\n" + worker.Output);
            await Task.Delay(10);
        }
    }
}
