using System.Text.Json;
using LvmCloud.Functions.Functions;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// The user's path over real HTTP: <c>GET /api/training</c> and <c>lvm runs list</c> (paged from the run index),
/// <c>GET /api/models</c>'s default model as <c>lvm models list</c> shows it, and <c>lvm batches submit</c> of more
/// files than one request may announce (<c>POST /api/batches/{batchId}/uploads</c>). No worker runs.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CliUserPathTests(AzuriteFixture azurite) : IDisposable
{
    private const string Key = "user-path-key";
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-user-path-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Runs_list_pages_the_run_index_newest_first_in_the_api_and_the_cli()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        var store = harness.Get<TrainingStateStore>();
        // Three runs dated after any other test's (the table is the collection's), so they head the index, newest first.
        var baseTime = new DateTimeOffset(2999, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Random.Shared.Next(100_000));
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var created = baseTime.AddMinutes(i);
            var id = TrainingIds.NewRunId(created);
            var run = RunEntity.New(id, new TrainingRunSpec { Rounds = 4 }, created);
            run.OutputName = "tiny-list";
            run.OutputVersion = $"v{i}";
            run.Round = i;
            if (i == 0)
            {
                TrainingRunLifecycle.Move(run, RunStates.Failed);
                run.FinishedAt = created.AddSeconds(5);
                run.Reason = "A shard job of round 0 failed.";
            }
            Assert.True(await store.TryAddRunAsync(run, CancellationToken.None));
            Assert.False(await store.TryAddRunAsync(RunEntity.New(id, new TrainingRunSpec(), created), CancellationToken.None)); // added once
            ids.Insert(0, id);
        }

        // The API: a page of 2, then the next from the continuation token; each line a summary from the run row.
        var list = new ListTrainingRunsFunction(harness.Get<TrainingRunService>());
        var firstRequest = HttpCalls.Request("GET", "/api/training?pageSize=2");
        var firstAnswer = await HttpCalls.ExecuteAsync(await list.Run(firstRequest, CancellationToken.None), firstRequest);
        Assert.Equal(200, firstAnswer.Status);
        var first = JsonDocument.Parse(firstAnswer.Text).RootElement;
        JsonStyle.AssertCamelCase(first, "GET /api/training");
        Assert.Equal(ids[..2], first.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!));
        var newest = first.GetProperty("runs")[0];
        Assert.Equal(("running", "tiny-list", "v2", 2, 4), (newest.GetProperty("state").GetString(), newest.GetProperty("outputName").GetString(),
            newest.GetProperty("outputVersion").GetString(), newest.GetProperty("roundsDone").GetInt32(), newest.GetProperty("rounds").GetInt32()));
        var token = first.GetProperty("continuationToken").GetString();
        Assert.False(string.IsNullOrEmpty(token));
        var nextRequest = HttpCalls.Request("GET", $"/api/training?pageSize=2&continuationToken={Uri.EscapeDataString(token!)}");
        var next = JsonDocument.Parse((await HttpCalls.ExecuteAsync(await list.Run(nextRequest, CancellationToken.None), nextRequest)).Text).RootElement;
        var oldest = next.GetProperty("runs")[0];
        Assert.Equal(ids[2], oldest.GetProperty("runId").GetString());
        Assert.Equal("failed", oldest.GetProperty("state").GetString());
        Assert.Equal("A shard job of round 0 failed.", oldest.GetProperty("reason").GetString());
        var tooBig = HttpCalls.Request("GET", "/api/training?pageSize=101");
        var refused = await HttpCalls.ExecuteAsync(await list.Run(tooBig, CancellationToken.None), tooBig);
        Assert.Equal(400, refused.Status);
        Assert.Contains("pageSize must be between 1 and 100", refused.Text);

        // The CLI over the local API's route: whole ids, a line each, the table on stderr; --json camelCase.
        string[] endpoint = ["--endpoint", host.Endpoint.ToString(), "--key", Key];
        var (listExit, cli) = await CliRunner.RunAsync(["runs", "list", "--limit", "3", .. endpoint]);
        Assert.True(listExit == 0, cli.AllStderr);
        Assert.Equal([$"{ids[0]} running 2/4", $"{ids[1]} running 1/4", $"{ids[2]} failed 0/4"], cli.Stdout);
        Assert.Contains("3 runs, newest first", cli.AllStderr);
        Assert.Contains("tiny-list/v2", cli.AllStderr);
        var (jsonExit, json) = await CliRunner.RunAsync(["runs", "list", "--limit", "2", "--json", .. endpoint]);
        Assert.True(jsonExit == 0, json.AllStderr);
        var runs = JsonDocument.Parse(Assert.Single(json.Stdout)).RootElement;
        JsonStyle.AssertCamelCase(runs, "runs list");
        Assert.Equal(ids[..2], runs.EnumerateArray().Select(r => r.GetProperty("runId").GetString()!));
    }

    [Fact]
    public async Task Models_list_names_the_platforms_default_model_in_the_api_and_the_cli()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Intake:DefaultModelName"] = "house-default",
            ["Intake:DefaultModelVersion"] = "7",
        });
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        var request = HttpCalls.Request("GET", "/api/models");
        var answer = await HttpCalls.ExecuteAsync(await new Api(harness).ListModels.Run(request, CancellationToken.None), request);
        var models = JsonDocument.Parse(answer.Text).RootElement;
        JsonStyle.AssertCamelCase(models, "GET /api/models");
        var defaultModel = models.GetProperty("defaultModel");
        Assert.Equal(("house-default", "7", "bundled"), (defaultModel.GetProperty("name").GetString(), defaultModel.GetProperty("version").GetString(), defaultModel.GetProperty("source").GetString()));

        string[] endpoint = ["--endpoint", host.Endpoint.ToString(), "--key", Key];
        var (exit, cli) = await CliRunner.RunAsync(["models", "list", .. endpoint]);
        Assert.True(exit == 0, cli.AllStderr);
        Assert.Contains("house-default/7 default", cli.Stdout); // the platform's default, not the CLI's bundled guess
        Assert.DoesNotContain(cli.Stdout, l => l.StartsWith("fmnist-lvm/", StringComparison.Ordinal) && l.EndsWith(" default", StringComparison.Ordinal));
        Assert.Contains("default (bundled)", cli.AllStderr);
        var (jsonExit, json) = await CliRunner.RunAsync(["models", "list", "--json", .. endpoint]);
        Assert.True(jsonExit == 0, json.AllStderr);
        var document = JsonDocument.Parse(Assert.Single(json.Stdout)).RootElement;
        JsonStyle.AssertCamelCase(document, "models list");
        Assert.Equal("house-default", document.GetProperty("defaultModel").GetProperty("name").GetString());
        Assert.Equal("bundled", document.GetProperty("defaultModel").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Submit_of_more_files_than_one_request_may_announce_pages_them_into_one_batch()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Intake:MaxFilesPerUpload"] = "3" });
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        var images = Directory.CreateDirectory(Path.Combine(_temp.FullName, "inputs"));
        var lines = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(images.FullName, $"p{i}.png"), TestImages.Png(8, 8, (byte)(30 * i)));
            lines.Add($"{{\"id\": \"i{i}\", \"input\": [\"p{i}.png\"]}}");
        }
        var manifest = Path.Combine(_temp.FullName, "manifest.jsonl");
        await File.WriteAllTextAsync(manifest, string.Join('\n', lines) + "\n");
        string[] endpoint = ["--endpoint", host.Endpoint.ToString(), "--key", Key];

        // 5 images + the manifest in one request: over the limit of 3 here, so the platform refuses and the CLI must page.
        var (oneExit, one) = await CliRunner.RunAsync(["batches", "submit", manifest, "--files-per-request", "6", .. endpoint]);
        Assert.Equal(2, oneExit);
        Assert.Contains("Too many files: 6 announced, at most 3 per request", one.AllStderr);

        var (submitExit, submit) = await CliRunner.RunAsync(["batches", "submit", manifest, "--files-per-request", "3", "--json", .. endpoint]);
        Assert.True(submitExit == 0, submit.AllStderr);
        Assert.Equal(6, submit.ProgressReported); // every image and the manifest uploaded with a granted URL
        var submitted = JsonDocument.Parse(Assert.Single(submit.Stdout)).RootElement;
        JsonStyle.AssertCamelCase(submitted, "batches submit");
        var batchId = submitted.GetProperty("batchId").GetString()!;
        Assert.Equal(5, submitted.GetProperty("imagesUploaded").GetInt32());

        // The manifest committed the batch: all five items are planned (no worker runs them), none failed for a missing image.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement status;
        while (true)
        {
            var (_, statusRun) = await CliRunner.RunAsync(["batches", "status", batchId, "--json", .. endpoint]);
            status = JsonDocument.Parse(Assert.Single(statusRun.Stdout)).RootElement;
            if (status.GetProperty("state").GetString() is not ("awaiting-upload" or "planning"))
                break;
            Assert.True(DateTime.UtcNow < deadline, $"Batch {batchId} was not planned in 30 s: {statusRun.Stdout.Single()}");
            await Task.Delay(100);
        }
        Assert.Equal(5, status.GetProperty("total").GetInt32());
        Assert.False(status.GetProperty("counts").TryGetProperty("failed", out var failed) && failed.GetInt32() > 0, status.ToString());

        // Once its manifest is up, the batch takes no more files; an unknown batch is not found.
        var uploads = new CreateBatchUploadsFunction(harness.Get<BatchCreationService>());
        var late = HttpCalls.Request("POST", $"/api/batches/{batchId}/uploads", "{\"files\": [\"inputs/late.png\"]}");
        var lateAnswer = await HttpCalls.ExecuteAsync(await uploads.Run(late, batchId, CancellationToken.None), late);
        Assert.Equal(409, lateAnswer.Status);
        Assert.Contains("takes no more files", lateAnswer.Text);
        var unknown = HttpCalls.Request("POST", "/api/batches/b29990101000000-0000000000000000/uploads", "{\"files\": [\"inputs/a.png\"]}");
        var unknownAnswer = await HttpCalls.ExecuteAsync(await uploads.Run(unknown, "b29990101000000-0000000000000000", CancellationToken.None), unknown);
        Assert.Equal(404, unknownAnswer.Status);
    }
}
