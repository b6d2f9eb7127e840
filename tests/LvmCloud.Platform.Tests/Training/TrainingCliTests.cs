using System.Text.Json;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// <c>lvm runs submit / runs wait / runs status / models list</c> over real HTTP against the local API host, with a
/// worker training the run: the run's own data/ shards are uploaded by the CLI.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingCliTests(AzuriteFixture azurite)
{
    private const string Key = "training-key";

    [Fact]
    public async Task Train_submit_uploads_local_shards_and_train_wait_status_and_models_list_follow_the_run_to_its_registered_model()
    {
        await using var harness = await TrainingHarness.CreateAsync(azurite, "cli", bundledTiny: true);
        harness.BundleTinyModel();
        await using var host = await FunctionsHttpHost.StartAsync(harness.Platform, Key);
        await harness.StartWorkerAsync();

        var run = Directory.CreateDirectory(Path.Combine(harness.Temp, "run"));
        Directory.CreateDirectory(Path.Combine(run.FullName, "data"));
        await File.WriteAllBytesAsync(Path.Combine(run.FullName, "data", "train.bin"), TrainingTestData.Shard(TrainingTestData.Rows(16, 32, 7)));
        await File.WriteAllBytesAsync(Path.Combine(run.FullName, "data", "eval.bin"), TrainingTestData.Shard(TrainingTestData.Rows(8, 32, 8)));
        var version = Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(run.FullName, "run.json"), $$$"""
            {
              // a fine-tune of the tiny model on the two local shards
              "base": {"model": {"name": "tiny", "version": "1"}},
              "data": {"train": ["data/train.bin"], "eval": ["data/eval.bin"]},
              "rounds": 2, "shardsPerRound": 1, "innerSteps": 3, "checkpointEvery": 3,
              "inner": {"batchSize": 4, "learningRate": 0.003, "warmupSteps": 1},
              "output": {"name": "tiny-cli", "version": "{{{version}}}"},
            }
            """);
        string[] endpoint = ["--endpoint", host.Endpoint.ToString(), "--key", Key];

        var (submitExit, submit) = await CliRunner.RunAsync(["runs", "submit", Path.Combine(run.FullName, "run.json"), .. endpoint]);
        Assert.True(submitExit == 0, submit.AllStderr);
        var runId = Assert.Single(submit.Stdout);
        Assert.Equal(2, submit.ProgressReported); // the two shards

        var (waitExit, wait) = await CliRunner.RunAsync(["runs", "wait", runId, "--timeout", "120s", "--interval", "0.2s", .. endpoint]);
        Assert.True(waitExit == 0, wait.AllStderr);
        Assert.Equal($"{runId} finished round 2/2 6/6 steps", Assert.Single(wait.Stdout));
        Assert.Equal(6, wait.ProgressReported);
        Assert.Contains("round", wait.AllStderr);

        var (statusExit, status) = await CliRunner.RunAsync(["runs", "status", runId, "--json", .. endpoint]);
        Assert.Equal(0, statusExit);
        var json = JsonDocument.Parse(Assert.Single(status.Stdout)).RootElement;
        JsonStyle.AssertCamelCase(json, "runs status");
        Assert.Equal("finished", json.GetProperty("state").GetString());
        Assert.Equal(2, json.GetProperty("history").GetArrayLength());
        Assert.All(json.GetProperty("history").EnumerateArray(), r => Assert.True(r.GetProperty("evalLoss").GetDouble() > 0));

        var (listExit, list) = await CliRunner.RunAsync(["models", "list", .. endpoint]);
        Assert.True(listExit == 0, list.AllStderr);
        Assert.Contains($"tiny-cli/{version}", list.Stdout);
        Assert.Contains($"{TinyModel.Name}/{TinyModel.Version} default", list.Stdout); // the model a batch without --model runs on (Intake:DefaultModelName/Version here), marked
        Assert.Contains("registered model", list.AllStderr);
        var (listJsonExit, listJson) = await CliRunner.RunAsync(["models", "list", "--json", .. endpoint]);
        Assert.True(listJsonExit == 0, listJson.AllStderr);
        var models = JsonDocument.Parse(Assert.Single(listJson.Stdout)).RootElement;
        JsonStyle.AssertCamelCase(models, "models list");
        Assert.Equal(TinyModel.Name, models.GetProperty("defaultModel").GetProperty("name").GetString());
        // The storage account is shared by the collection's tests, and another may have registered the tiny model: the
        // source must say which, from the same listing (bundled: the workers' own copy).
        var defaultRegistered = models.GetProperty("models").EnumerateArray()
            .Any(m => m.GetProperty("name").GetString() == TinyModel.Name && m.GetProperty("version").GetString() == TinyModel.Version);
        Assert.Equal(defaultRegistered ? "registered" : "bundled", models.GetProperty("defaultModel").GetProperty("source").GetString());
        Assert.Empty(host.TriggerErrors);
    }
}
