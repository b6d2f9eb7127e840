using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// A run whose token shard turns out to be unreadable fails for good the way every job kind does: the reason on the
/// shard and the run, in the user's terms (the shard's path in storage, what is wrong with it), the message deleted
/// rather than dead-lettered, and nothing of the rejected file left in the worker's cache.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingBadDataTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_bin_shard_without_its_header_fails_the_run_once_naming_the_blob_deletes_the_message_and_leaves_no_cached_file()
    {
        await using var harness = await TrainingHarness.CreateAsync(azurite, "bad", overrides: new() { ["Worker:MaxDequeueCount"] = "5" });
        var dataCache = harness.DataCacheDirectory;
        await harness.RegisterTinyModelAsync();
        var headless = $"{harness.Dataset}/{TinyModel.Name}/shard-00000.bin";
        // The tokens of a shard without the LVMTOKS1 header (a shard cut off at the front, or a file of another kind).
        var body = TrainingTestData.Shard(TrainingTestData.Rows(8, 32, 1))[8..];
        await harness.Clients.Tokens.GetBlobClient(headless).UploadAsync(BinaryData.FromBytes(body), overwrite: true);
        var spec = TrainingTestData.Spec([$"{StorageLayout.TokensContainer}/{headless}"], null, new ModelReference("tiny-bad-data", "1"), rounds: 1, shards: 1, innerSteps: 4, checkpointEvery: 2);
        var runId = await harness.PostRunAsync(spec);

        var (_, stats) = await harness.StartWorkerAsync();
        var run = await harness.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));

        Assert.Equal(RunStates.Failed, run.State);
        Assert.Contains($"tokens/{headless}", run.Reason);
        Assert.Contains("not a token shard (missing header", run.Reason);
        Assert.DoesNotContain("not valid JSON", run.Reason);
        Assert.DoesNotContain(dataCache, run.Reason);
        Assert.DoesNotContain("Exception", run.Reason);
        Assert.DoesNotContain("..", run.Reason);
        var shard = Assert.Single(await harness.TrainingState.GetShardsAsync(runId, 0, CancellationToken.None));
        Assert.Equal((ShardStates.Failed, 1), (shard.State, shard.Deliveries));
        Assert.Contains($"tokens/{headless}", shard.Error);

        // The message is deleted (after the run is failed), not dead-lettered; the rejected file is not kept in the cache.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (stats.MessagesFailed == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal((0, 1, 0), (stats.MessagesRetried, stats.MessagesFailed, stats.MessagesPoisoned));
        Assert.Empty((await harness.Clients.Queue(harness.Clients.QueueNames.TrainShard).PeekMessagesAsync(10)).Value);
        Assert.Empty((await harness.Clients.Queue(harness.Clients.QueueNames.Poison(QueueNames.TrainShardKind)).PeekMessagesAsync(10)).Value);
        Assert.Empty(Directory.Exists(dataCache) ? Directory.GetFiles(dataCache, "*", SearchOption.AllDirectories) : []);
    }
}
