using LvmCloud.Core.Results;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// The worker gathering the items of several <c>generate</c> messages into one generation batch, with the bundled model
/// (<c>models/fmnist-lvm</c>) on real Azurite: the same records, files and pixels as one message at a time, each
/// message settled on its own, a failing message failing alone, and the settings checked at start.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GenerationBatchingTests(AzuriteFixture azurite)
{
    private static readonly ModelReference Bundled = new("fmnist-lvm", "latest");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Two batches, one- and two-candidate items, explicit seeds: 2 items per message.</summary>
    private static readonly (int Items, Func<int, byte[]> Image)[] Batches =
    [
        (6, i => TestImages.Png(16, 8, (byte)(20 * i))),
        (4, i => TestImages.Png(12, 12, (byte)(200 - 30 * i))),
    ];

    private static string Fields(int i) => i % 3 == 0 ? $"\"seed\": {i + 1}, \"n_candidates\": 2" : $"\"seed\": {i + 1}";

    [Fact]
    public async Task Messages_gathered_into_one_generation_batch_give_the_records_files_and_pixels_of_one_message_at_a_time()
    {
        var alone = await RunAsync(receiveBatch: 1);
        var gathered = await RunAsync(receiveBatch: 8);

        Assert.Equal(5, alone.Calls); // one model call per message
        Assert.True(gathered.Calls < alone.Calls, $"{gathered.Calls} model calls for 5 messages: nothing was gathered");
        Assert.Contains(gathered.ItemsPerCall, n => n > 2);
        Assert.Equal(alone.Outputs.Keys.Order(), gathered.Outputs.Keys.Order());
        foreach (var (key, bytes) in alone.Outputs)
            Assert.True(bytes.SequenceEqual(gathered.Outputs[key]), $"{key} differs");
        Assert.Equal(alone.Records, gathered.Records);
        Assert.Equal(24, alone.Outputs.Count); // 14 frames (10 items, 4 of them with 2 candidates) and 10 contact sheets
    }

    [Fact]
    public async Task Gathered_messages_are_each_finished_logged_and_deleted_on_their_own_and_each_batch_closes_once()
    {
        var logs = new LogCapture();
        await using var harness = await HarnessAsync(receiveBatch: 8);
        var seeded = new List<(string BatchId, List<SeededJob> Messages)>();
        foreach (var (items, image) in Batches)
            seeded.Add(await BatchSeeder.SeedAsync(harness, items, perMessage: 2, image, Bundled, Fields));
        var (host, stats) = await harness.StartWorkerAsync(logs: logs, configure: Counted);

        foreach (var (batchId, _) in seeded)
            Assert.Equal(BatchStates.Finished, (await harness.WaitForBatchAsync(batchId, Timeout)).State);

        var source = (CountingModelSource)host.Services.GetRequiredService<IModelSource>();
        Assert.True(source.Calls.Count < 5, $"{source.Calls.Count} model calls for 5 messages");
        Assert.Equal(source.Calls.Count, stats.GenerationBatches);
        Assert.Equal(14, stats.GenerationBatchRows);
        Assert.Equal(5, stats.MessagesCompleted);
        Assert.Equal(2, stats.ResultsWritten);
        Assert.Equal(10, stats.ItemsSucceeded);
        var finished = logs.Messages("LvmCloud.Worker.Jobs.QueueConsumer").Where(m => m.Contains(") finished in ")).ToList();
        foreach (var job in seeded.SelectMany(s => s.Messages))
            Assert.Single(finished, m => m.StartsWith($"Job {job.JobId} (generate)", StringComparison.Ordinal) && m.EndsWith(": 2 succeeded, 0 failed, 0 skipped", StringComparison.Ordinal));
        Assert.Empty((await harness.Clients.Queue(harness.Clients.QueueNames.Generate).PeekMessagesAsync(10)).Value);
        foreach (var (batchId, _) in seeded)
        {
            var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
            Assert.All(items, i => Assert.Equal((ItemStates.Succeeded, 1), (i.State, i.Attempts)));
        }
    }

    [Fact]
    public async Task A_failing_message_among_gathered_ones_is_poisoned_alone_and_the_others_complete_on_their_first_delivery()
    {
        await using var harness = await HarnessAsync(receiveBatch: 8);
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 8, perMessage: 2, model: Bundled, fields: Fields);
        var bad = messages[1];
        var (host, stats) = await harness.StartWorkerAsync(configure: b => Counted(b, failFor: bad.ItemIds[0]));

        Assert.Equal(BatchStates.Finished, (await harness.WaitForBatchAsync(batchId, Timeout)).State);

        var source = (CountingModelSource)host.Services.GetRequiredService<IModelSource>();
        Assert.Contains(source.Calls, call => call.Contains(bad.ItemIds[0]) && call.Count > bad.ItemIds.Count); // it was gathered with others
        Assert.Equal(1, stats.MessagesPoisoned);
        Assert.Equal(2, stats.MessagesRetried); // deliveries 1 and 2 of the bad message; delivery 3 (the last) poisons it
        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        foreach (var item in items)
        {
            if (bad.ItemIds.Contains(item.ItemId))
                Assert.Equal((ItemStates.Failed, 3, true), (item.State, item.Attempts, item.Error!.Contains("model exploded")));
            else
                Assert.Equal((ItemStates.Succeeded, 1), (item.State, item.Attempts));
        }
        var poisoned = Assert.Single((await harness.Clients.Queue(harness.Clients.QueueNames.GeneratePoison).PeekMessagesAsync(10)).Value);
        Assert.Equal(bad.JobId, JobCodec.DecodeEnvelope(poisoned.MessageText).JobId);
    }

    [Theory]
    [InlineData("Worker:ReceiveBatch", "0", "ReceiveBatch")]
    [InlineData("Worker:ReceiveBatch", "33", "ReceiveBatch")]
    [InlineData("Worker:PerQueue:generate:ReceiveBatch", "40", "Worker:PerQueue:generate:ReceiveBatch must be between 1 and 32")]
    [InlineData("Worker:Generate:BatchRows", "0", "BatchRows")]
    [InlineData("Worker:Generate:GatherWindow", "00:01:00", "GatherWindow")]
    public async Task Batching_settings_out_of_range_stop_the_worker_at_start_naming_the_setting(string key, string value, string expected)
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => harness.StartWorkerAsync(new FlippingCompleter()));

        Assert.Contains(expected, error.Message);
    }

    private Task<PlatformHarness> HarnessAsync(int receiveBatch) => PlatformHarness.CreateAsync(azurite, new()
    {
        ["Worker:Concurrency"] = "1",
        ["Worker:ReceiveBatch"] = receiveBatch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Worker:Generate:BatchRows"] = "16",
        // Long enough that a loaded test machine's claims fit in it; nothing waits it out when no other message is on its way.
        ["Worker:Generate:GatherWindow"] = "00:00:03",
        ["Worker:ModelsDirectory"] = Path.Combine(RepoRoot.Find(), "models"),
        ["Worker:Device"] = "cpu",
        ["Worker:VisibilityTimeout"] = "00:00:10",
    });

    /// <summary>The real models behind a <see cref="CountingModelSource"/>.</summary>
    private static void Counted(HostApplicationBuilder builder) => Counted(builder, null);

    private static void Counted(HostApplicationBuilder builder, string? failFor) =>
        builder.Services.AddSingleton<IModelSource>(sp => new CountingModelSource(sp.GetRequiredService<ModelCache>()) { FailFor = failFor });

    /// <summary>Both batches through one worker host; what it wrote, keyed by (batch index, path under the batch).</summary>
    private async Task<RunResult> RunAsync(int receiveBatch)
    {
        await using var harness = await HarnessAsync(receiveBatch);
        var seeded = new List<string>();
        foreach (var (items, image) in Batches)
            seeded.Add((await BatchSeeder.SeedAsync(harness, items, perMessage: 2, image, Bundled, Fields)).BatchId);
        var (host, _) = await harness.StartWorkerAsync(configure: Counted);
        var outputs = new Dictionary<string, byte[]>();
        var records = new List<string>();
        for (var b = 0; b < seeded.Count; b++)
        {
            var batchId = seeded[b];
            Assert.Equal(BatchStates.Finished, (await harness.WaitForBatchAsync(batchId, Timeout)).State);
            var results = (await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync()).Value.Content.ToString();
            records.AddRange(ResultsJsonl.Read(results).Select(r => $"{b}: {ResultsJsonl.Serialize(r with { Timings = null })}"));
            await foreach (var blob in harness.Clients.Results.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{batchId}/items/", CancellationToken.None))
                if (blob.Name.EndsWith(".png", StringComparison.Ordinal))
                    outputs[$"{b}/{blob.Name[(batchId.Length + 1)..]}"] = (await harness.Clients.Results.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
        }
        var calls = ((CountingModelSource)host.Services.GetRequiredService<IModelSource>()).Calls.ToList();
        return new RunResult(calls.Count, calls.Select(c => c.Count).ToList(), records, outputs);
    }

    private sealed record RunResult(int Calls, IReadOnlyList<int> ItemsPerCall, IReadOnlyList<string> Records, Dictionary<string, byte[]> Outputs);
}
