using LvmCloud.Core.Results;
using LvmCloud.Local;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LvmCloud.Platform.Tests.Faults;

/// <summary>
/// Storage goes away in the middle of a batch and comes back with its data: a test's own Azurite, keeping its data in
/// a folder, is stopped while two real worker processes run the batch and started again on the same folder and ports.
/// The workers ride it out and the intake function called during the outage finishes once storage is back; every item
/// of both batches ends once, none is left running, and the batches close. (Before storage calls retried with back-off
/// for longer than the SDK's default of three quick tries, intake failed here with "Retry failed after 4 tries".)
/// </summary>
[Collection(AzuriteCollection.Name)] // the collection's fixture installs Azurite; its tests run one at a time
public sealed class StorageOutageTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>How long storage stays away: longer than a visibility timeout and the workers' longest poll interval.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(6);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-outage-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Azurite_stopped_mid_batch_and_started_again_on_its_folder_loses_nothing_and_both_batches_finish()
    {
        using var azurite = await AzuriteProcess.StartAsync(RepoRoot.Find(), Path.Combine(_temp.FullName, "azurite"));
        await using var harness = await PlatformHarness.CreateAsync(azurite.ConnectionString, new()
        {
            ["Intake:DefaultModelName"] = TinyModel.Name,
            ["Intake:DefaultModelVersion"] = TinyModel.Version,
            ["Intake:ItemsPerMessage"] = "2",
        });
        var models = Path.Combine(_temp.FullName, "models");
        TinyModel.Save(models);
        const int items = 16;
        var (running, _) = await BatchSeeder.SeedAsync(harness, items, perMessage: 2);
        var planned = await UploadManifestAsync(harness, items: 4);

        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:QueuePrefix"] = harness.Settings["Storage:QueuePrefix"],
            ["Worker:Queues"] = "generate",
            ["Worker:Concurrency"] = "1",
            // One message (2 items) at a time per worker, so the batch is still running when storage goes away: with the
            // generate default of 8 messages per receive, one worker gathered all 16 items into a single model call and
            // the batch could finish between two polls of the wait below.
            ["Worker:ReceiveBatch"] = "1",
            ["Worker:VisibilityTimeout"] = "00:00:03",
            ["Worker:RetryDelay"] = "00:00:00",
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:01",
            ["Worker:ModelsDirectory"] = models,
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
            ["Training:TorchThreads"] = "1", // process-wide: two workers on shared cores
        };
        using var first = WorkerProcess.Start(settings);
        using var second = WorkerProcess.Start(settings);
        await WaitUntilAsync(async () => (await harness.State.GetBatchAsync(running, CancellationToken.None))!.ItemsSucceeded >= 2, TimeSpan.FromSeconds(120), first, second);

        var atStop = await harness.State.GetBatchAsync(running, CancellationToken.None);
        await azurite.StopAsync();
        Assert.False(azurite.IsRunning);
        // The blob trigger fires while storage is away (an upload racing the outage): intake must ride it out.
        var intake = Task.Run(() => harness.Get<BatchIntakeService>().IngestAsync(planned, CancellationToken.None));
        await Task.Delay(Outage); // the outage itself, not a wait for something to happen
        Assert.False(intake.IsCompleted, $"intake did not wait for storage: {intake.Exception}");
        Assert.False(first.HasExited, first.Output);
        Assert.False(second.HasExited, second.Output);
        await azurite.RestartAsync();

        var outcome = await intake.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(4, outcome.Accepted);
        var batch = await harness.WaitForBatchAsync(running, TimeSpan.FromSeconds(120));
        var other = await harness.WaitForBatchAsync(planned, TimeSpan.FromSeconds(60));
        output.WriteLine(first.Output);
        output.WriteLine(second.Output);

        foreach (var (id, count, closed) in new[] { (running, items, batch), (planned, 4, other) })
        {
            Assert.Equal((BatchStates.Finished, count, 0), (closed.State, closed.ItemsSucceeded, closed.ItemsFailed));
            var rows = await harness.State.GetItemsAsync(id, CancellationToken.None);
            Assert.All(rows, r => Assert.Equal(ItemStates.Succeeded, r.State)); // none left running
            var results = (await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(id)).DownloadContentAsync()).Value.Content.ToString();
            var ids = ResultsJsonl.Read(results).Select(r => r.Id).ToList();
            Assert.Equal(rows.Select(r => r.ItemId).Order(), ids.Order()); // each item once
        }
        Assert.False(first.HasExited || second.HasExited, "a worker died of the outage");
        Assert.True(atStop!.ItemsSucceeded < items, "the batch was done before the outage");
    }

    /// <summary>A batch as a client leaves it before the trigger: inputs and manifest uploaded, nothing planned.</summary>
    private static async Task<string> UploadManifestAsync(PlatformHarness harness, int items)
    {
        var files = Enumerable.Range(0, items).Select(i => $"inputs/q{i}.png").ToList();
        var batchId = (await harness.Get<Batches.BatchCreationService>().CreateAsync(new Batches.CreateBatchRequest(files), CancellationToken.None)).BatchId;
        var lines = new List<string>();
        for (var i = 0; i < items; i++)
        {
            await harness.Clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, $"q{i}.png")).UploadAsync(BinaryData.FromBytes(TestImages.Png(16, 8, (byte)(40 + i))));
            lines.Add($"{{\"id\": \"q{i}\", \"input\": [\"q{i}.png\"]}}");
        }
        await harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)).UploadAsync(BinaryData.FromString(string.Join('\n', lines) + "\n"));
        return batchId;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, params WorkerProcess[] workers)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline || workers.Any(w => w.HasExited))
                throw new TimeoutException("Condition not met in time:\n" + string.Join("\n---\n", workers.Select(w => w.Output)));
            await Task.Delay(50);
        }
    }
}
