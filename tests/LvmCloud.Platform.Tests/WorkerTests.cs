using Azure.Storage.Blobs.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class WorkerTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_workers_complete_each_item_once_renewing_visibility_and_write_results_once()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Worker:VisibilityTimeout"] = "00:00:05" });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 20, perMessage: 3);
        // Each message takes longer than the visibility timeout: it stays hidden only if the lease is renewed. The
        // lease is renewed every third of it, so only a renewal more than 3 s late (not a busy machine) lets it lapse.
        var completer = new FlippingCompleter { Delay = TimeSpan.FromSeconds(6) };
        var (_, statsA) = await harness.StartWorkerAsync(completer);
        var (_, statsB) = await harness.StartWorkerAsync(completer);

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.Equal(20, completer.Calls.Count);
        Assert.All(completer.Calls.Values, calls => Assert.Equal(1, calls));
        Assert.Equal(20, statsA.ItemsSucceeded + statsB.ItemsSucceeded);
        Assert.True(statsA.MessagesCompleted > 0 && statsB.MessagesCompleted > 0, "both workers should have taken messages");
        Assert.Equal(1, statsA.ResultsWritten + statsB.ResultsWritten);
        Assert.True(statsA.VisibilityRenewals + statsB.VisibilityRenewals > 0);

        var results = (await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync()).Value.Content.ToString();
        var lines = results.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20, lines.Length);
        Assert.All(lines, line => Assert.Contains("\"status\":\"succeeded\"", line));

        var png = (await harness.Clients.Results.GetBlobClient(StorageLayout.OutputPath(batchId, "item-007", "item-007.png")).DownloadContentAsync()).Value.Content;
        using var image = Image.Load(png.ToStream());
        Assert.Equal((16, 8), (image.Width, image.Height));
    }

    [Fact]
    public async Task Message_that_always_throws_ends_in_poison_queue_with_items_failed_and_the_rest_completes()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 4, perMessage: 2);
        var failing = new ThrowingForItemCompleter(messages[0].ItemIds[0], new FlippingCompleter());
        var (_, stats) = await harness.StartWorkerAsync(failing);

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.Equal(1, stats.MessagesPoisoned);
        var poison = await harness.Clients.Queue(harness.Clients.QueueNames.GeneratePoison).PeekMessagesAsync(10);
        var poisoned = Assert.Single(poison.Value);
        Assert.Equal(messages[0].JobId, JobCodec.DecodeEnvelope(poisoned.MessageText).JobId);

        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        foreach (var id in messages[0].ItemIds)
        {
            var item = items.Single(i => i.ItemId == id);
            Assert.Equal(ItemStates.Failed, item.State);
            Assert.Contains("model exploded", item.Error);
            Assert.Equal(3, item.Attempts);
        }
        Assert.All(items.Where(i => !messages[0].ItemIds.Contains(i.ItemId)), i => Assert.Equal(ItemStates.Succeeded, i.State));
        // Items are failed before the poisoned message is deleted (a crash in between redelivers, never loses it).
        var generate = harness.Clients.Queue(harness.Clients.QueueNames.Generate);
        for (var i = 0; i < 1200 && (await generate.PeekMessagesAsync(10)).Value.Length > 0; i++) // up to 60 s
            await Task.Delay(50);
        Assert.Empty((await generate.PeekMessagesAsync(10)).Value);
    }

    [Fact]
    public async Task Redelivered_finished_message_is_a_no_op()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3);
        var completer = new FlippingCompleter();
        var (_, stats) = await harness.StartWorkerAsync(completer);
        await harness.WaitForBatchAsync(batchId, Timeout);
        var resultsBlob = harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId));
        var etagBefore = (await resultsBlob.GetPropertiesAsync()).Value.ETag;
        var itemsBefore = await harness.State.GetItemsAsync(batchId, CancellationToken.None);

        await harness.Clients.Queue(harness.Clients.QueueNames.Generate).SendMessageAsync(messages[0].Text);
        await WaitUntilAsync(() => stats.MessagesCompleted == 2);

        Assert.All(completer.Calls.Values, calls => Assert.Equal(1, calls));
        Assert.Equal(3, stats.ItemsSkipped);
        Assert.Equal(etagBefore, (await resultsBlob.GetPropertiesAsync()).Value.ETag);
        var itemsAfter = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        Assert.Equal(itemsBefore.Select(i => i.ETag), itemsAfter.Select(i => i.ETag));
        Assert.Equal(1, stats.ResultsWritten);
    }

    [Fact]
    public async Task Cancel_before_start_cancels_queued_items_and_workers_skip_them()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 5, perMessage: 2);

        var status = await harness.Get<Batches.BatchCancellationService>().CancelAsync(batchId, CancellationToken.None);

        Assert.Equal(BatchStates.Cancelled, status.State);
        Assert.Equal(5, status.Counts[ItemStates.Cancelled]);
        var completer = new FlippingCompleter();
        var (_, stats) = await harness.StartWorkerAsync(completer);
        await WaitUntilAsync(() => stats.MessagesCompleted == messages.Count);
        Assert.Empty(completer.Calls);
        Assert.Equal(0, stats.ResultsWritten);
        var results = await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync();
        Assert.Equal(5, results.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("\"status\":\"cancelled\"")));
    }

    [Fact]
    public async Task Cancel_while_running_lets_running_items_finish_and_ends_cancelled()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Worker:Concurrency"] = "1" });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 6, perMessage: 2);
        var completer = new FlippingCompleter { Delay = TimeSpan.FromMilliseconds(1000) };
        await harness.StartWorkerAsync(completer);
        await WaitUntilAsync(() => !completer.Calls.IsEmpty);

        await harness.Get<Batches.BatchCancellationService>().CancelAsync(batchId, CancellationToken.None);
        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Cancelled, batch.State);
        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        Assert.All(items, i => Assert.True(i.State is ItemStates.Succeeded or ItemStates.Cancelled, $"{i.ItemId} is {i.State}"));
        Assert.True(items.Count(i => i.State == ItemStates.Succeeded) >= 2, "the running message's items finish");
        Assert.True(items.Count(i => i.State == ItemStates.Cancelled) >= 2, "items not yet started are cancelled");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Condition not met in time.");
            await Task.Delay(50);
        }
    }

    /// <summary>Throws for every message containing one item; completes the others with the inner completer.</summary>
    private sealed class ThrowingForItemCompleter(string itemId, FlippingCompleter inner) : Worker.Completion.IModelSource, Vision.Batches.IFrameCompleter
    {
        public int Resolution => inner.Resolution;

        public Task<Vision.Batches.IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) =>
            Task.FromResult<Vision.Batches.IFrameCompleter>(this);

        public IReadOnlyList<Vision.Pipelines.CompletionOutput> Complete(IReadOnlyList<Vision.Pipelines.CompletionInput> items, CancellationToken cancellationToken) =>
            items.Any(i => i.Item.Id == itemId)
                ? throw new InvalidOperationException("model exploded")
                : inner.Complete(items, cancellationToken);
    }
}
