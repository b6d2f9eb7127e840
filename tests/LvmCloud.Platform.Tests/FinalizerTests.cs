using LvmCloud.Platform.Batches;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// Closing a batch when storage calls fail part-way or a claimer disappears. Faults are injected into the worker's
/// storage client pipeline (<see cref="FaultInjectionPolicy"/>): Azurite cannot be told to fail one chosen call.
/// The timeouts are far below the claim lease the old finalizer waited out (two minutes).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FinalizerTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Lost_reply_of_the_results_write_is_retried_and_the_batch_finishes_with_results_written_once()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Finalizer:RetryDelay"] = "00:00:00.100" });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 6, perMessage: 3);
        // The first upload of results.jsonl lands in storage, but its caller sees a failure.
        var fault = new FaultInjectionPolicy(FaultInjectionPolicy.PutOf("results.jsonl"), faults: 1, afterSend: true);
        var completer = new FlippingCompleter();
        var (_, statsA) = await harness.StartWorkerAsync(completer, fault.Configure);
        var (_, statsB) = await harness.StartWorkerAsync(completer, fault.Configure);

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.Equal(1, fault.Injected);
        Assert.Equal(1, statsA.ResultsWritten + statsB.ResultsWritten);
        Assert.Equal(0, statsA.MessagesPoisoned + statsB.MessagesPoisoned);
        var blob = harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId));
        var properties = (await blob.GetPropertiesAsync()).Value;
        Assert.Equal(batch.FinalizeClaimId, properties.Metadata[BatchFinalizer.ClaimMetadataKey]);
        var lines = (await blob.DownloadContentAsync()).Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.All(lines, line => Assert.Contains("\"status\":\"succeeded\"", line));
        Assert.True((await harness.Clients.Results.GetBlobClient(StorageLayout.StatusPath(batchId)).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Finalizer_that_keeps_failing_releases_its_claim_and_the_redelivered_message_finishes_the_batch()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Finalizer:MaxAttempts"] = "2",
            ["Finalizer:RetryDelay"] = "00:00:00",
        });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3);
        // Every try of the first claim fails: it must give the claim back rather than hold it for the lease.
        var fault = new FaultInjectionPolicy(FaultInjectionPolicy.PutOf("results.jsonl"), faults: 2, afterSend: false);
        var (_, stats) = await harness.StartWorkerAsync(new FlippingCompleter(), fault.Configure);

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.Equal(2, fault.Injected);
        Assert.Equal(1, stats.ResultsWritten);
        Assert.Equal(3, stats.ItemsSucceeded);
        Assert.Equal(3, stats.ItemsSkipped); // the redelivery found its items done and only closed the batch
        Assert.Equal(0, stats.MessagesPoisoned);
        var items = await harness.State.GetItemsAsync(batchId, CancellationToken.None);
        Assert.All(items, i => Assert.Equal(ItemStates.Succeeded, i.State));
    }

    [Fact]
    public async Task Lapsed_finalizing_claim_of_a_vanished_claimer_is_taken_over_by_the_next_worker()
    {
        // The message's visibility outlasts the wait for the claim by far: a loaded machine's late lease renewal must not
        // deliver it a second time meanwhile (which would count its three items as skipped twice; seen once beside a CPU hog).
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Finalizer:ClaimLease"] = "00:00:02", ["Worker:VisibilityTimeout"] = "00:01:00" });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3);
        // A claimer that finished every item, claimed the batch and died before writing anything.
        foreach (var item in await harness.State.GetItemsAsync(batchId, CancellationToken.None))
        {
            item.State = ItemStates.Failed;
            item.ErrorCode = "model-error";
            item.Error = "failed before the claimer died";
            Assert.True(await harness.State.TryUpdateItemAsync(item, CancellationToken.None));
        }
        var dead = (await harness.State.GetBatchAsync(batchId, CancellationToken.None))!;
        dead.State = BatchStates.Finalizing;
        dead.FinalizeClaimedAt = DateTimeOffset.UtcNow;
        dead.FinalizeClaimId = "vanished-claimer";
        Assert.True(await harness.State.TryUpdateBatchAsync(dead, CancellationToken.None));

        // Its message is delivered again: the worker waits the claim out, then takes it over.
        var (_, stats) = await harness.StartWorkerAsync(new FlippingCompleter());
        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal(BatchStates.Finished, batch.State);
        Assert.NotEqual("vanished-claimer", batch.FinalizeClaimId);
        Assert.Equal(1, stats.ResultsWritten);
        Assert.Equal(3, stats.ItemsSkipped);
        var lines = (await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync())
            .Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Contains("failed before the claimer died", line));
    }

    [Fact]
    public async Task Claim_lease_outside_its_range_stops_the_worker_from_starting()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Finalizer:ClaimLease"] = "00:30:00" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => harness.StartWorkerAsync(new FlippingCompleter()));

        Assert.Contains("ClaimLease", error.Message);
    }
}
