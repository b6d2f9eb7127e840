using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Jobs;
using LvmCloud.Worker.Training;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// DiLoCo reduces to ordinary training (one shard per round, outer learning rate 1, no momentum: the same weights as
/// <c>lvm train</c> for the same steps and data), and a round whose merge many callers race for is merged once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingEquivalenceTests(AzuriteFixture azurite)
{
    private Task<TrainingHarness> HarnessAsync() => TrainingHarness.CreateAsync(azurite, "equal");

    [Fact]
    public async Task One_shard_per_round_with_outer_lr_1_and_no_momentum_equals_lvm_train_for_the_same_steps_and_data()
    {
        await using var harness = await HarnessAsync();
        await harness.RegisterTinyModelAsync();
        var rows = TrainingTestData.Rows(20, 32, 11);
        var train = await harness.UploadTokensAsync("shard-00000.bin", rows);
        var output = new ModelReference("tiny-plain", "1");
        var spec = TrainingTestData.Spec([train], null, output, rounds: 2, shards: 1, innerSteps: 6, checkpointEvery: 4,
            outer: new OuterOptimizerSpec(LearningRate: 1, Momentum: 0), preset: "tiny");
        var runId = await harness.StartRunAsync(spec);
        await harness.StartWorkerAsync();
        await harness.WaitForFinishedAsync(runId, TimeSpan.FromSeconds(120));

        // lvm train on the same shard file: the preset's weights from the same seed, 12 steps of the same schedule.
        var shardFile = Path.Combine(harness.Temp, "train.bin");
        await File.WriteAllBytesAsync(shardFile, TrainingTestData.Shard(rows));
        var inner = spec.InnerOrDefault;
        var local = Path.Combine(harness.Temp, "lvm-train");
        var (exit, console) = await CliRunner.RunAsync("train", "--tokens", shardFile, "--out", local, "--preset", "tiny", "--steps", "12",
            "--batch-size", $"{inner.BatchSize}", "--lr", $"{inner.LearningRate}", "--end-lr", $"{inner.EndLearningRate}", "--warmup", $"{inner.WarmupSteps}",
            "--weight-decay", $"{inner.WeightDecay}", "--eval-every", "0", "--log-every", "1", "--checkpoint-every", "4", "--seed", $"{spec.Seed}", "--threads", "1");
        Assert.True(exit == 0, console.AllStderr);

        using var expected = LlamaForCausalLM.FromPretrained(TrainingCheckpoint.ModelDirectoryOf(local));
        using var actual = await harness.LoadRegisteredTransformerAsync(output);
        var expectedWeights = expected.state_dict();
        foreach (var (name, tensor) in actual.state_dict())
        {
            var difference = (tensor - expectedWeights[name]).abs().max().item<float>();
            Assert.True(difference <= 1e-5f, $"{name} differs from lvm train's by {difference}");
        }

        // The per-round train loss is the mean of lvm train's step losses over the same steps.
        var losses = Core.Training.TrainingLog.Read(Path.Combine(local, "loss.csv"))["train_loss"];
        var rounds = await harness.TrainingState.GetRoundsAsync(runId, CancellationToken.None);
        for (var r = 0; r < 2; r++)
        {
            var mean = losses.Where(p => p.Step > r * 6 && p.Step <= (r + 1) * 6).Average(p => p.Value);
            Assert.Equal(mean, rounds[r].TrainLoss!.Value, 4);
        }
    }

    [Fact]
    public async Task Racing_merges_of_a_round_merge_it_once()
    {
        await using var harness = await HarnessAsync();
        await harness.RegisterTinyModelAsync();
        var train = await harness.UploadTokensAsync("shard-00000.bin", 16, 4);
        var runId = await harness.StartRunAsync(TrainingTestData.Spec([train], null, new ModelReference("tiny-race", "1"), rounds: 2, shards: 2, innerSteps: 3, checkpointEvery: 3));
        var logs = new LogCapture();
        var worker = harness.BuildWorker(logs: logs); // its services, no consumers: the jobs are run here
        var handler = worker.Services.GetRequiredService<TrainShardJobHandler>();
        var state = harness.TrainingState;
        for (var k = 0; k < 2; k++)
        {
            var payload = new TrainShardPayload(runId, 0, k);
            var envelope = JobCodec.Wrap(payload, TrainShardPayload.JobIdFor(runId, 0, k), null, DateTimeOffset.UtcNow);
            await handler.HandleAsync(new JobContext<TrainShardPayload>(envelope, payload, $"message-{k}", 1, CancellationToken.None, CancellationToken.None));
        }
        Assert.Equal(RoundStates.Merged, (await state.GetRoundAsync(runId, 0, CancellationToken.None))!.State);

        // Back to "all shards in, not merged yet": the outer step's commit and the round's merged state undone.
        await state.UpdateRoundAsync(runId, 0, r =>
        {
            (r.State, r.MergeClaimId, r.MergeClaimedAt, r.MergedAt) = (RoundStates.Training, null, null, null);
            return true;
        }, CancellationToken.None);
        await harness.Clients.Training.GetBlobClient(TrainingLayout.MergeRecordPath(runId, 0)).DeleteAsync();
        await state.UpdateRunAsync(runId, r => { r.Round = 0; return true; }, CancellationToken.None);
        var queued = (await harness.Clients.Queue(harness.Clients.QueueNames.TrainShard).GetPropertiesAsync()).Value.ApproximateMessagesCount;

        var merger = worker.Services.GetRequiredService<RoundMerger>();
        var merged = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => merger.CloseRoundAsync(runId, 0, CancellationToken.None))));

        Assert.Single(merged, m => m);
        Assert.Equal(2, logs.Messages("LvmCloud.Worker.Training.RoundMerger").Count(m => m.Contains("round 0 merged from 2 shards"))); // the first merge and this one
        Assert.Equal(RoundStates.Merged, (await state.GetRoundAsync(runId, 0, CancellationToken.None))!.State);
        Assert.True(await harness.Clients.Training.GetBlobClient(TrainingLayout.MergeRecordPath(runId, 0)).ExistsAsync());
        Assert.Equal(1, (await state.GetRunAsync(runId, CancellationToken.None))!.Round);
        Assert.Equal(queued, (await harness.Clients.Queue(harness.Clients.QueueNames.TrainShard).GetPropertiesAsync()).Value.ApproximateMessagesCount); // round 1 not enqueued twice
    }
}
