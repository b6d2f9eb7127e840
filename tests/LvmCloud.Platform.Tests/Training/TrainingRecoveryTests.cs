using System.Text.RegularExpressions;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using Xunit.Abstractions;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// A shard job survives its worker: killed outright (SIGKILL, a real child process), the next worker resumes from the
/// last checkpoint and loses at most the checkpoint interval; stopped gracefully (SIGTERM), the worker checkpoints the
/// current step before it hands the message back, and loses nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class TrainingRecoveryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Steps = 240;

    [GeneratedRegex(@"step (\d+) of \[")]
    private static partial Regex StepLine();

    private static int? StepOf(string line) => StepLine().Match(line) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    /// <summary>The run of one shard on the bundled tiny model, started; the settings of the worker processes that train it (no worker in this process).</summary>
    private async Task<(TrainingHarness Harness, string RunId, Dictionary<string, string?> WorkerSettings, TrainingRunSpec Spec)> StartRunAsync(int checkpointEvery)
    {
        var harness = await TrainingHarness.CreateAsync(azurite, "recovery", bundledTiny: true);
        harness.BundleTinyModel();
        var train = await harness.UploadTokensAsync("shard-00000.bin", 32, 5);
        var spec = TrainingTestData.Spec([train], null, new ModelReference("tiny-recovered", Guid.NewGuid().ToString("N")[..8]),
            rounds: 1, shards: 1, innerSteps: Steps, checkpointEvery: checkpointEvery);
        var runId = await harness.StartRunAsync(spec);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = harness.Platform.Settings["Storage:ConnectionString"],
            ["Storage:QueuePrefix"] = harness.Platform.Settings["Storage:QueuePrefix"],
            ["Worker:Queues"] = QueueNames.TrainShardKind,
            ["Worker:VisibilityTimeout"] = "00:00:03",
            ["Worker:RetryDelay"] = "00:00:00",
            ["Worker:PollInterval"] = "00:00:00.050",
            ["Worker:MaxPollInterval"] = "00:00:00.250",
            ["Worker:ModelsDirectory"] = harness.ModelsDirectory,
            ["Worker:ModelCacheDirectory"] = harness.ModelCacheDirectory,
            ["Training:TorchThreads"] = "1",
            ["Training:ProgressInterval"] = "00:00:00.100",
            ["Training:StopCheckpointTimeout"] = "00:00:10",
            ["Training:DataCacheDirectory"] = harness.DataCacheDirectory,
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:LvmCloud.Worker.Training"] = "Debug",
        };
        return (harness, runId, settings, spec);
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_mid_shard_is_replaced_and_the_run_finishes_losing_at_most_the_checkpoint_interval()
    {
        const int checkpointEvery = 10;
        var (harness, runId, settings, spec) = await StartRunAsync(checkpointEvery);
        await using var _ = harness;

        int lastSeen;
        using (var first = WorkerProcess.Start(settings))
        {
            await first.WaitForLineAsync(l => StepOf(l) >= 60, TimeSpan.FromSeconds(90));
            first.Kill();
            lastSeen = first.Lines.Select(StepOf).Max() ?? 0;
            Assert.DoesNotContain(first.Lines, l => l.Contains($"steps [0, {Steps}) trained"));
        }
        var killed = await harness.TrainingState.GetShardAsync(runId, 0, 0, CancellationToken.None);
        Assert.Equal(ShardStates.Running, killed!.State); // nobody settled it: the process died

        using (var second = WorkerProcess.Start(settings))
        {
            var run = await harness.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));
            Assert.True(run.State == RunStates.Finished, $"{run.State}: {run.Reason}\n{second.Output}");
            var resumed = int.Parse(Regex.Match(await second.WaitForLineAsync(l => l.Contains("resumed from the checkpoint at step"), TimeSpan.FromSeconds(5)),
                @"checkpoint at step (\d+)").Groups[1].Value);
            output.WriteLine($"killed after step {lastSeen} was logged; resumed from the checkpoint at step {resumed}");
            Assert.InRange(resumed, checkpointEvery, lastSeen);
            Assert.True(lastSeen - resumed <= checkpointEvery, $"steps {resumed}..{lastSeen} were lost, more than the interval of {checkpointEvery}");
            Assert.Equal(resumed + 1, second.Lines.Select(StepOf).Where(s => s is not null).Min()); // it went on from the checkpoint, not from the start
            await second.StopAsync(TimeSpan.FromSeconds(30));
        }
        var shard = await harness.TrainingState.GetShardAsync(runId, 0, 0, CancellationToken.None);
        Assert.Equal((ShardStates.Succeeded, 2), (shard!.State, shard.Deliveries));
        Assert.InRange(shard.StepsRedone, 0, checkpointEvery);
        var recovered = new ModelReference("tiny-recovered", (await harness.TrainingState.GetRunAsync(runId, CancellationToken.None))!.OutputVersion);
        Assert.True(await harness.Get<Models.ModelRegistry>().IsRegisteredAsync(recovered, CancellationToken.None));

        // The same run undisturbed: the resumed run's weights are its weights, byte for byte.
        var again = await harness.Runs.StartAsync(
            TrainingRunSpecJson.Write(spec with { Output = spec.Output! with { Version = spec.Output.Version + "u" } }), CancellationToken.None);
        using (var undisturbed = WorkerProcess.Start(settings))
        {
            var run = await harness.WaitForRunAsync(again.RunId, TimeSpan.FromSeconds(120));
            Assert.True(run.State == RunStates.Finished, $"{run.State}: {run.Reason}\n{undisturbed.Output}");
            await undisturbed.StopAsync(TimeSpan.FromSeconds(30));
        }
        var reference = new ModelReference("tiny-recovered", (await harness.TrainingState.GetRunAsync(again.RunId, CancellationToken.None))!.OutputVersion);
        Assert.Equal(await harness.ReadRegisteredWeightsAsync(reference), await harness.ReadRegisteredWeightsAsync(recovered));
    }

    [Fact]
    public async Task A_shard_whose_checkpoint_is_truncated_fails_the_run_at_once_naming_the_file()
    {
        var (harness, runId, settings, _) = await StartRunAsync(checkpointEvery: 10);
        await using var _ = harness;
        using (var first = WorkerProcess.Start(settings))
        {
            await first.WaitForLineAsync(l => l.Contains("checkpoint at step 20"), TimeSpan.FromSeconds(90));
            first.Kill();
        }
        // The disk or an upload cut the checkpoint's weights short.
        var prefix = TrainingLayout.ShardPrefix(runId, 0, 0) + TrainingLayout.CheckpointFolder;
        var truncated = 0;
        await foreach (var blob in harness.Clients.Training.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            if (!blob.Name.EndsWith(".safetensors", StringComparison.Ordinal))
                continue;
            var client = harness.Clients.Training.GetBlobClient(blob.Name);
            var bytes = (await client.DownloadContentAsync()).Value.Content.ToArray();
            await client.UploadAsync(BinaryData.FromBytes(bytes[..(bytes.Length / 2)]), overwrite: true);
            truncated++;
        }
        Assert.True(truncated > 0, $"no weights under {prefix}");

        using var second = WorkerProcess.Start(settings);
        var run = await harness.WaitForRunAsync(runId, TimeSpan.FromSeconds(90));
        await second.StopAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(RunStates.Failed, run.State);
        Assert.Contains("cannot be restored", run.Reason);
        Assert.Contains("model.safetensors", run.Reason);
        var shard = await harness.TrainingState.GetShardAsync(runId, 0, 0, CancellationToken.None);
        Assert.Equal(2, shard!.Deliveries); // the killed one and the one that found the damage: not retried
    }

    [Fact]
    public async Task A_worker_stopped_with_SIGTERM_mid_shard_checkpoints_the_current_step_before_handing_the_job_back()
    {
        // One checkpoint per job (its end): only the stop-time save can keep the steps done before the stop.
        var (harness, runId, settings, _) = await StartRunAsync(checkpointEvery: Steps);
        await using var _ = harness;

        using (var first = WorkerProcess.Start(settings))
        {
            await first.WaitForLineAsync(l => StepOf(l) >= 40, TimeSpan.FromSeconds(90));
            await first.StopAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(first.Lines, l => l.Contains("checkpointed before handing the job back"));
            Assert.Contains(first.Lines, l => l.Contains("handed back"));
        }
        var stopped = await harness.TrainingState.GetShardAsync(runId, 0, 0, CancellationToken.None);
        output.WriteLine($"stopped with step {stopped!.CheckpointStep} checkpointed");
        Assert.InRange(stopped.CheckpointStep, 40, Steps - 1);

        using var second = WorkerProcess.Start(settings);
        var run = await harness.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));
        Assert.True(run.State == RunStates.Finished, $"{run.State}: {run.Reason}\n{second.Output}");
        var shard = await harness.TrainingState.GetShardAsync(runId, 0, 0, CancellationToken.None);
        Assert.Equal(stopped.CheckpointStep, shard!.ResumedFrom);
        Assert.Equal(0, shard.StepsRedone);
        await second.StopAsync(TimeSpan.FromSeconds(30));
    }
}
