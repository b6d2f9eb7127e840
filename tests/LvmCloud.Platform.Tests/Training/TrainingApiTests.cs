using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>The training API's refusals (every problem named), the run.json trigger, cancel and resume.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingApiTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private Task<TrainingHarness> HarnessAsync() => TrainingHarness.CreateAsync(azurite, "api", bundledTiny: true);

    /// <summary>POST /api/training; the status and the problem's detail (or the body).</summary>
    private static async Task<(int Status, string Text)> PostAsync(Api api, string body)
    {
        var request = HttpCalls.Request("POST", "/api/training", body);
        var answer = await HttpCalls.ExecuteAsync(await api.StartTraining.Run(request, CancellationToken.None), request);
        return (answer.Status, answer.Status >= 400 ? JsonDocument.Parse(answer.Text).RootElement.GetProperty("detail").GetString()! : answer.Text);
    }

    [Fact]
    public async Task A_run_json_with_problems_is_refused_naming_every_one_and_nothing_is_started()
    {
        await using var harness = await HarnessAsync();
        var api = harness.Api;

        var spelling = await PostAsync(api, """{"rounds": 1, "shardsPerRoud": 2}""");
        Assert.Equal(400, spelling.Status);
        Assert.Contains("shardsPerRoud", spelling.Text);

        var bad = await PostAsync(api, """
            {"base": {"preset": "nope", "tokenizer": {"name": "tiny", "version": "1"}},
             "data": {"train": ["../escape.bin", "training/another-run/data/a.bin", "tokens/ds/x.txt"]},
             "rounds": 0, "shardsPerRound": 100, "innerSteps": 10, "checkpointEvery": 20,
             "inner": {"learningRate": 2}, "outer": {"momentum": 1.5}, "output": {"name": "a/b", "version": "1"}}
            """);
        Assert.Equal(400, bad.Status);
        foreach (var expected in new[] { "base.preset 'nope'", "'../escape.bin'", "outside this run's data folder", "neither a token shard", "rounds must be",
                     "shardsPerRound must be", "checkpointEvery must be", "inner.learningRate", "outer.momentum", "output:" })
            Assert.Contains(expected, bad.Text);
        Assert.Contains("10 problems", bad.Text);

        var missing = await PostAsync(api, TrainingRunSpecJson.Write(TrainingTestData.Spec(["tokens/none/here.bin", "data/nothing/"], null,
            new ModelReference(TinyModel.Name, TinyModel.Version), 1, 1, 4, 2) with
        { Base = new RunBaseSpec(Model: new ModelReference("unknown", "3")) }));
        Assert.Equal(400, missing.Status);
        foreach (var expected in new[] { "base.model unknown/3 is not a registered model", "output tiny/1 is registered already", "'tokens/none/here.bin' does not exist", "'data/nothing/'" })
            Assert.Contains(expected, missing.Text);
        Assert.Equal(0, (await harness.Clients.Queue(harness.Clients.QueueNames.TrainShard).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task An_uploaded_run_json_starts_its_run_once_and_one_with_problems_becomes_a_failed_run_that_says_why()
    {
        await using var harness = await HarnessAsync();
        var api = harness.Api;
        var train = await harness.UploadTokensAsync("shard-00000.bin", 8, 1);

        var good = TrainingIds.NewRunId(DateTimeOffset.UtcNow);
        var spec = TrainingTestData.Spec([train], null, new ModelReference("tiny-uploaded", "1"), 1, 2, 4, 2);
        var goodJson = await harness.UploadRunJsonAsync(good, TrainingRunSpecJson.Write(spec));
        for (var i = 0; i < 2; i++) // a trigger delivered twice
            await api.RunUploaded.Run(goodJson, good, CancellationToken.None);
        var status = await harness.Runs.GetStatusAsync(good, CancellationToken.None);
        Assert.Equal((RunStates.Running, 2), (status.State, status.Shards.Count));
        Assert.Equal(2, (await harness.Clients.Queue(harness.Clients.QueueNames.TrainShard).GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var bad = TrainingIds.NewRunId(DateTimeOffset.UtcNow);
        var badJson = await harness.UploadRunJsonAsync(bad, TrainingRunSpecJson.Write(spec with { Rounds = 0, RunId = "other-run" }));
        await api.RunUploaded.Run(badJson, bad, CancellationToken.None);
        var request = HttpCalls.Request("GET", $"/api/training/{bad}");
        var refused = JsonSerializer.Deserialize<TrainingRunStatus>((await HttpCalls.ExecuteAsync(await api.TrainingStatus.Run(request, bad, CancellationToken.None), request)).Text, Web)!;
        Assert.Equal(RunStates.Failed, refused.State);
        Assert.Contains("rounds must be between 1", refused.Reason);
        Assert.Contains("runId 'other-run' differs", refused.Reason);
    }

    [Fact]
    public async Task A_run_json_of_1_GB_is_refused_by_its_declared_length_unread_and_a_chunked_post_over_the_limit_is_refused()
    {
        await using var harness = await HarnessAsync();
        var api = harness.Api;
        var runId = TrainingIds.NewRunId(DateTimeOffset.UtcNow);
        // A page blob declares 1 GiB without a byte being written.
        await harness.Clients.Training.GetPageBlobClient(TrainingLayout.SpecPath(runId)).CreateAsync(1L << 30);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await api.RunUploaded.Run(harness.Clients.Training.GetBlobClient(TrainingLayout.SpecPath(runId)), runId, CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the trigger took {clock.Elapsed}: it read run.json");
        var status = await harness.Runs.GetStatusAsync(runId, CancellationToken.None);
        Assert.Equal(RunStates.Failed, status.State);
        Assert.Contains($"run.json is {1L << 30} bytes, more than {TrainingLimits.MaxSpecBytes}", status.Reason);

        // A POST body without a Content-Length is read only to one byte past the limit.
        var request = HttpCalls.Request("POST", "/api/training", "{\"rounds\": 1, \"pad\": \"" + new string(' ', TrainingLimits.MaxSpecBytes) + "\"}");
        request.ContentLength = null;
        var answer = await HttpCalls.ExecuteAsync(await api.StartTraining.Run(request, CancellationToken.None), request);
        Assert.Equal(400, answer.Status);
        Assert.Contains($"more than {TrainingLimits.MaxSpecBytes} bytes", answer.Text);
        Assert.Equal(TrainingLimits.MaxSpecBytes + 1, request.Body.Position);
    }

    [Fact]
    public async Task A_cancelled_run_stops_with_its_queued_shards_cancelled_and_resumed_it_finishes_each_shard_once()
    {
        await using var harness = await HarnessAsync();
        harness.BundleTinyModel();
        var api = harness.Api;
        var train = await harness.UploadTokensAsync("shard-00000.bin", 16, 2);
        var runId = await harness.StartRunAsync(TrainingTestData.Spec([train], null, new ModelReference("tiny-resumed", "1"), 1, 2, 4, 2));

        var cancel = HttpCalls.Request("POST", $"/api/training/{runId}/cancel");
        var cancelled = await HttpCalls.ExecuteAsync(await api.CancelTraining.Run(cancel, runId, CancellationToken.None), cancel);
        Assert.Equal(202, cancelled.Status);
        var status = JsonSerializer.Deserialize<TrainingRunStatus>(cancelled.Text, Web)!;
        Assert.Equal(RunStates.Cancelled, status.State);
        Assert.All(status.Shards, s => Assert.Equal(ShardStates.Cancelled, s.State));

        var resume = HttpCalls.Request("POST", $"/api/training/{runId}/resume");
        var resumed = await HttpCalls.ExecuteAsync(await api.ResumeTraining.Run(resume, runId, CancellationToken.None), resume);
        Assert.Equal(202, resumed.Status);
        Assert.All(JsonSerializer.Deserialize<TrainingRunStatus>(resumed.Text, Web)!.Shards, s => Assert.Equal(ShardStates.Queued, s.State));
        var again = await HttpCalls.ExecuteAsync(await api.ResumeTraining.Run(HttpCalls.Request("POST", $"/api/training/{runId}/resume"), runId, CancellationToken.None), resume);
        Assert.Equal(409, again.Status); // running: nothing to resume

        // The original messages and the resume's both reach the worker: each shard is trained by one of them.
        await harness.StartWorkerAsync();
        var run = await harness.WaitForFinishedAsync(runId, TimeSpan.FromSeconds(90));
        Assert.Equal(1, run.Resumes);
        Assert.All(await harness.TrainingState.GetShardsAsync(runId, 0, CancellationToken.None), s => Assert.Equal((ShardStates.Succeeded, 1), (s.State, s.Deliveries)));
    }
}
