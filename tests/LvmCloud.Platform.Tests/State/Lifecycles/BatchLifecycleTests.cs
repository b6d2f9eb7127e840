using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.State.Lifecycles;

/// <summary>A batch's state says what happened (against Azurite): running while items run, and a cancel that came too late leaves it completed.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BatchLifecycleTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Batch_is_running_once_an_item_starts_and_a_cancel_after_every_item_started_leaves_it_finished_saying_it_came_too_late()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3);
        Assert.Equal(BatchStates.Queued, (await harness.State.GetBatchAsync(batchId, CancellationToken.None))!.State);

        var started = await MoveItemsAsync(harness, batchId, ItemStates.Running);
        Assert.Equal(BatchStates.Running, started.State);

        var answer = await harness.Get<BatchCancellationService>().CancelAsync(batchId, CancellationToken.None);
        Assert.Equal(BatchStates.Running, answer.State);
        Assert.Contains("too late", answer.Note);
        Assert.Equal(0, answer.Counts[ItemStates.Cancelled]);

        await MoveItemsAsync(harness, batchId, ItemStates.Succeeded);
        Assert.True(await harness.Get<BatchFinalizer>().TryFinalizeAsync(batchId, CancellationToken.None));
        var closed = (await harness.State.GetBatchAsync(batchId, CancellationToken.None))!;
        Assert.Equal(BatchStates.Finished, closed.State);
        Assert.True(closed.CancelRequested);
    }

    [Fact]
    public async Task Cancel_of_a_finished_batch_is_refused_as_too_late_and_leaves_it_finished()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 2, perMessage: 2);
        await MoveItemsAsync(harness, batchId, ItemStates.Running);
        await MoveItemsAsync(harness, batchId, ItemStates.Succeeded);
        await harness.Get<BatchFinalizer>().TryFinalizeAsync(batchId, CancellationToken.None);

        var answer = await harness.Get<BatchCancellationService>().CancelAsync(batchId, CancellationToken.None);

        Assert.Equal(BatchStates.Finished, answer.State);
        Assert.False(answer.CancelRequested);
        Assert.Contains("too late", answer.Note);
    }

    [Fact]
    public async Task Resuming_a_finished_training_run_is_refused_and_the_run_stays_finished()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var store = harness.Get<TrainingStateStore>();
        var runId = $"r{Guid.NewGuid():N}"[..20];
        var run = RunEntity.New(runId, new TrainingRunSpec(), DateTimeOffset.UtcNow);
        TrainingRunLifecycle.Move(run, RunStates.Finished);
        Assert.True(await store.TryAddAsync(run, CancellationToken.None));

        await Assert.ThrowsAsync<ConflictException>(() => harness.Get<TrainingRunService>().ResumeAsync(runId, CancellationToken.None));

        Assert.Equal(RunStates.Finished, (await store.GetRunAsync(runId, CancellationToken.None))!.State);
    }

    /// <summary>Moves every item of the batch to <paramref name="to"/> the way a worker does (one transaction with the batch row's counts).</summary>
    private static async Task<BatchEntity> MoveItemsAsync(PlatformHarness harness, string batchId, string to)
    {
        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        var changes = items.Select(i =>
        {
            var from = i.State;
            i.State = to;
            return new ItemChange(i, from);
        }).ToList();
        return (await harness.State.TransitionItemsAsync(batchId, changes, CancellationToken.None)).Batch;
    }
}
