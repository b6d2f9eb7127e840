using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Hosting;

namespace LvmCloud.Platform.Tests;

/// <summary>What a worker does when a job cannot succeed, when it is stopped mid-job, and what it says about it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class JobRecoveryTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Message_for_a_model_that_does_not_exist_fails_its_items_on_the_first_delivery_and_is_deleted_not_poisoned()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Worker:MaxDequeueCount"] = "5",
            ["Worker:ModelCacheDirectory"] = Path.Combine(Path.GetTempPath(), "lvm-no-model-" + Guid.NewGuid().ToString("N")),
        });
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3, model: new ModelReference("nosuch", "7"));
        var (_, stats) = await harness.StartWorkerAsync(); // the real model store: neither a local folder nor the models container has it

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.Equal(3, batch.ItemsFailed);
        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        Assert.All(items, item =>
        {
            Assert.Equal(ItemStates.Failed, item.State);
            Assert.Equal(1, item.Attempts);
            Assert.Contains("Permanent error", item.Error);
            Assert.Contains("Model nosuch/7 is neither in", item.Error);
            Assert.DoesNotContain("Exception", item.Error); // the user's terms, no .NET type name
        });
        Assert.Equal(0, stats.MessagesRetried);
        // A permanent failure is recorded on the items and its message deleted: nothing is left to re-drive.
        Assert.Equal((1, 0), (stats.MessagesFailed, stats.MessagesPoisoned));
        Assert.Empty((await harness.Clients.Queue(harness.Clients.QueueNames.GeneratePoison).PeekMessagesAsync(10)).Value);
        Assert.Empty((await harness.Clients.Queue(harness.Clients.QueueNames.Generate).PeekMessagesAsync(10)).Value);
        Assert.Single(messages);
    }

    [Fact]
    public async Task A_stopping_worker_hands_its_message_back_at_once_and_another_worker_finishes_the_batch()
    {
        // A visibility timeout far longer than the test: only a hand-back makes the message visible again in time.
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Worker:VisibilityTimeout"] = "00:05:00", ["Worker:Concurrency"] = "1" });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 2, perMessage: 2);
        var slow = new FlippingCompleter { Delay = TimeSpan.FromSeconds(30) };
        var (first, firstStats) = await harness.StartWorkerAsync(slow);
        await WaitUntilAsync(async () => (await harness.State.GetBatchAsync(batchId, CancellationToken.None))!.ItemsRunning == 2);

        await first.StopAsync(TimeSpan.FromSeconds(20));
        var (_, secondStats) = await harness.StartWorkerAsync(new FlippingCompleter());
        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(1, firstStats.MessagesHandedBack);
        Assert.Equal(0, firstStats.ItemsSucceeded);
        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.Equal(2, secondStats.ItemsSucceeded);
        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        Assert.All(items, i => Assert.Equal(2, i.Attempts));
    }

    [Fact]
    public async Task The_worker_log_has_one_line_per_message_started_finished_retried_and_poisoned_and_one_per_batch()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Worker:MaxDequeueCount"] = "2", ["Worker:Concurrency"] = "1" });
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 6, perMessage: 2);
        var logs = new LogCapture();
        var completer = new FailingCompleter(failOnce: messages[1].ItemIds[0], failAlways: messages[2].ItemIds[0]);
        await harness.StartWorkerAsync(completer, logs: logs);

        await harness.WaitForBatchAsync(batchId, Timeout);

        var lines = logs.Messages("LvmCloud.Worker.Jobs.QueueConsumer").Where(l => l.StartsWith("Job ", StringComparison.Ordinal)).ToList();
        string[] Of(SeededJob job) => lines.Where(l => l.StartsWith($"Job {job.JobId} ", StringComparison.Ordinal)).ToArray();
        Assert.Collection(Of(messages[0]),
            l => Assert.EndsWith($"(generate: batch {batchId}, 2 items, model tiny/1) started", l),
            l => Assert.Contains("finished in", l));
        Assert.Collection(Of(messages[1]),
            l => Assert.EndsWith("started", l),
            l => Assert.Contains("failed on delivery 1 of 2, retrying in 00:00:00: InvalidOperationException: flaky model", l),
            l => Assert.Contains("started again, delivery 2 of 2; previous attempt: InvalidOperationException: flaky model", l),
            l => Assert.Contains("finished in", l));
        Assert.Collection(Of(messages[2]),
            l => Assert.EndsWith("started", l),
            l => Assert.Contains("failed on delivery 1 of 2", l),
            l => Assert.Contains("started again, delivery 2 of 2", l),
            l => Assert.Contains("moved to", l));
        Assert.Single(logs.Messages("LvmCloud.Platform.Batches.BatchFinalizer"), l => l.StartsWith($"Batch {batchId} finished: 6 items, 4 succeeded, 2 failed", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Category.StartsWith("OpenTelemetry", StringComparison.Ordinal) || l.Message.Contains("Activity.TraceId"));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Condition not met in time.");
            await Task.Delay(50);
        }
    }

    /// <summary>Throws for a message holding <c>failOnce</c> the first time only, and for one holding <c>failAlways</c> every time.</summary>
    private sealed class FailingCompleter(string failOnce, string failAlways) : IModelSource, IFrameCompleter
    {
        private readonly FlippingCompleter _inner = new();
        private int _failedOnce;

        public int Resolution => _inner.Resolution;

        public Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) => Task.FromResult<IFrameCompleter>(this);

        public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
        {
            if (items.Any(i => i.Item.Id == failAlways))
                throw new InvalidOperationException("broken model");
            if (items.Any(i => i.Item.Id == failOnce) && Interlocked.Exchange(ref _failedOnce, 1) == 0)
                throw new InvalidOperationException("flaky model");
            return _inner.Complete(items, cancellationToken);
        }
    }
}
