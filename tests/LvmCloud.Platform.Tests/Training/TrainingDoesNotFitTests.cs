using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Memory;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// A <c>train-shard</c> job whose training step does not fit the worker's memory fails its shard, and so the run, on its
/// first delivery with the reason code and the plan's numbers: no model is loaded and the message is not retried.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingDoesNotFitTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-training-does-not-fit-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_shard_whose_step_does_not_fit_fails_the_run_at_once_with_the_code_and_the_numbers()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Intake:DefaultModelName"] = "none",
            ["Intake:DefaultModelVersion"] = "none",
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
            ["Worker:Concurrency"] = "1",
            ["Worker:MaxDequeueCount"] = "5",
            ["Worker:Device"] = "cpu",
            ["Worker:MemoryLimitGb"] = "0.5",
            ["Training:DataCacheDirectory"] = Path.Combine(_temp.FullName, "data-cache"),
        });
        await TinyModel.UploadAsync(harness.Clients, TinyModel.Save(Path.Combine(_temp.FullName, "saved")));
        var dataset = "ds-" + Guid.NewGuid().ToString("N")[..8];
        var train = await TrainingTestData.UploadTokensAsync(harness.Clients, dataset, "shard-00000.bin", TrainingTestData.Rows(16, 32, 1));
        var spec = TrainingTestData.Spec([train], null, new ModelReference("tiny-too-big", "1"), rounds: 1, shards: 1, innerSteps: 4, checkpointEvery: 2);
        var started = await harness.Get<TrainingRunService>().StartAsync(TrainingRunSpecJson.Write(spec), CancellationToken.None);
        var (_, stats) = await harness.StartWorkerAsync();

        var run = await TrainingTestData.WaitForRunAsync(harness, started.RunId, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStates.Failed, run.State);
        var shard = (await harness.Get<TrainingStateStore>().GetShardAsync(started.RunId, 0, 0, CancellationToken.None))!;
        Assert.Equal((ShardStates.Failed, 1, 0), (shard.State, shard.Deliveries, shard.CheckpointStep));
        Assert.Contains($"{MemoryPlan.ModelDoesNotFitCode}: shard 0 of round 0 of run {started.RunId} does not fit this worker. The training step does not fit in memory: the transformer (", shard.Error);
        Assert.Contains("+ a batch of 4 sequences of 32 tokens ", shard.Error);
        Assert.Contains("but 0.50 GB is free (Worker:MemoryLimitGb=0.5). The weights, gradients and AdamW moments alone need ", shard.Error);
        Assert.Contains("Fix: a smaller model; or a machine with at least ", shard.Error);
        Assert.Contains(MemoryPlan.ModelDoesNotFitCode, run.Reason);
        Assert.Equal(0, stats.MessagesRetried);
        // Nothing of the shard was written: no checkpoint, no result.
        var written = new List<string>();
        await foreach (var blob in harness.Clients.Training.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None,
                           TrainingLayout.ShardPrefix(started.RunId, 0, 0), CancellationToken.None))
            written.Add(blob.Name);
        Assert.Empty(written);
    }
}
