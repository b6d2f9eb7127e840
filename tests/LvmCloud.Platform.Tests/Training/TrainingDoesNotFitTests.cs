using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Transformer;
using Microsoft.Extensions.Hosting;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// A <c>train-shard</c> job whose training step does not fit the worker's memory fails its shard, and so the run, on its
/// first delivery with the reason code and the plan's numbers: no model is loaded and the message is not retried. A merge
/// that does not fit fails the run the same way, keeping the shards' results, and a resume on a bigger worker merges.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingDoesNotFitTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_shard_whose_step_does_not_fit_fails_the_run_at_once_with_the_code_and_the_numbers()
    {
        await using var training = await TrainingHarness.CreateAsync(azurite, "does-not-fit", overrides: new()
        {
            ["Worker:MaxDequeueCount"] = "5",
            ["Worker:Device"] = "cpu",
            ["Worker:MemoryLimitGb"] = "0.5",
        });
        var harness = training.Platform;
        await TinyModel.UploadAsync(harness.Clients, TinyModel.Save(Path.Combine(training.Temp, "saved")));
        var train = await training.UploadTokensAsync("shard-00000.bin", TrainingTestData.Rows(16, 32, 1));
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

    [Fact]
    public async Task A_merge_that_does_not_fit_fails_the_run_keeping_the_shards_and_a_resume_on_a_bigger_worker_finishes_it()
    {
        await using var training = await TrainingHarness.CreateAsync(azurite, "does-not-fit", overrides: new()
        {
            ["Worker:MaxDequeueCount"] = "5",
            ["Worker:Device"] = "cpu",
        });
        var harness = training.Platform;
        var saved = TinyModel.Save(Path.Combine(training.Temp, "saved"));
        var config = LlamaConfig.Load(Path.Combine(saved, "transformer"));
        // Rows of 8 tokens, one a batch: the shard's step (16 B/param and one sequence's activations) needs less than the
        // merge's outer step (16 B/param at round 0 and thirteen float64 copies of the largest tensor); the worker's
        // limit lies between the two.
        var shardPlan = MemoryPlanner.PlanTraining(config, 1, 8, new MemoryBudget(null, "test"));
        var mergePlan = MemoryPlanner.PlanMerge(config, new MemoryBudget(null, "test"), shards: 1, hasMomentum: false, compression: null);
        Assert.True(shardPlan.TotalBytes + 50_000 < mergePlan.TotalBytes, $"shard {shardPlan.TotalBytes} B, merge {mergePlan.TotalBytes} B");
        var limitGb = (shardPlan.TotalBytes + mergePlan.TotalBytes) / 2 / ByteSize.BytesPerGb;
        string limit = limitGb.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        await TinyModel.UploadAsync(harness.Clients, saved);
        var train = await training.UploadTokensAsync("shard-00000.bin", TrainingTestData.Rows(8, 8, 1));
        var inner = new InnerOptimizerSpec(BatchSize: 1, LearningRate: 3e-3, EndLearningRate: 1e-4, WarmupSteps: 1, WeightDecay: 0.05);
        var spec = TrainingTestData.Spec([train], null, new ModelReference("tiny-merge-too-big", "1"), rounds: 1, shards: 1, innerSteps: 2, checkpointEvery: 2, inner: inner);
        var service = harness.Get<TrainingRunService>();
        var started = await service.StartAsync(TrainingRunSpecJson.Write(spec), CancellationToken.None);
        var (small, stats) = await harness.StartWorkerAsync(configure: b => b.Configuration["Worker:MemoryLimitGb"] = limit);

        var run = await TrainingTestData.WaitForRunAsync(harness, started.RunId, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStates.Failed, run.State);
        Assert.Contains($"The merge of round 0 failed: Permanent error, not retried: {MemoryPlan.ModelDoesNotFitCode}: the merge of round 0 of run {started.RunId} does not fit this worker. " +
                        "The merge does not fit in memory: the transformer (", run.Reason);
        Assert.Contains($"at its peak (the outer step) holds base weights {ByteSize.Gb(4 * config.ParameterCount)} + running sum (float64) ", run.Reason);
        Assert.Contains($"= {ByteSize.Gb(mergePlan.TotalBytes)} (phases: reading the shards ", run.Reason);
        Assert.Contains($"but {ByteSize.Gb((long)(limitGb * ByteSize.BytesPerGb))} is free (Worker:MemoryLimitGb={limit}). Nothing was loaded. Fix: a machine with at least {ByteSize.Gb(mergePlan.TotalBytes)} free", run.Reason);
        Assert.Contains($"`lvm runs resume {started.RunId}` merges the round again", run.Reason);
        Assert.Equal(0, stats.MessagesRetried);
        var state = harness.Get<TrainingStateStore>();
        var shard = (await state.GetShardAsync(started.RunId, 0, 0, CancellationToken.None))!;
        Assert.Equal((ShardStates.Succeeded, 1), (shard.State, shard.Deliveries)); // the shard's work stands
        Assert.Equal(RoundStates.Training, (await state.GetRoundAsync(started.RunId, 0, CancellationToken.None))!.State); // the merge claim was released
        Assert.False(await harness.Clients.TrainingFiles.ExistsAsync(TrainingLayout.MergeRecordPath(started.RunId, 0), CancellationToken.None));

        // The same run, resumed with a worker that has the memory: the round is merged from the kept results and the model registered.
        await small.StopAsync(TimeSpan.FromSeconds(30));
        await harness.StartWorkerAsync(configure: b => b.Configuration["Worker:MemoryLimitGb"] = "16");
        await service.ResumeAsync(started.RunId, CancellationToken.None);
        var resumed = await TrainingTestData.WaitForRunAsync(harness, started.RunId, TimeSpan.FromSeconds(60));

        Assert.True(resumed.State == RunStates.Finished, $"{resumed.State}: {resumed.Reason}");
        Assert.Equal(1, (await state.GetShardAsync(started.RunId, 0, 0, CancellationToken.None))!.Deliveries); // not trained again
        Assert.True(await harness.Clients.TrainingFiles.ExistsAsync(TrainingLayout.MergeRecordPath(started.RunId, 0), CancellationToken.None));
    }
}
