using System.Text;
using System.Text.Json;
using LvmCloud.Core.Results;
using LvmCloud.Platform.Tests.Infrastructure;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <c>lvm batches submit/wait/status/fetch/cancel/list</c> against the HTTP API over real HTTP. <see cref="FunctionsHttpHost"/> stands
/// in for the Functions host (Kestrel routing to the real function classes, key check, a blob watcher in place
/// of the Event Grid trigger); storage is the collection's Azurite and a real worker host runs the items through
/// the model pipeline with a tiny random-weight model from a local models folder.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CliPlatformCommandsTests(AzuriteFixture azurite) : IDisposable
{
    private const string Key = "test-function-key";
    private static readonly JsonSerializerOptions AnyCase = new() { PropertyNameCaseInsensitive = true };
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-cli-platform-");

    [Fact]
    public async Task Submit_wait_status_fetch_complete_a_batch_over_http_and_download_pngs_results_and_gallery()
    {
        TinyModel.Save(Path.Combine(_temp.FullName, "models"));
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Intake:DefaultModelName"] = TinyModel.Name,
            ["Intake:DefaultModelVersion"] = TinyModel.Version,
            ["Worker:ModelsDirectory"] = Path.Combine(_temp.FullName, "models"),
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "unused-cache"),
        });
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        await harness.StartWorkerAsync();
        var images = Directory.CreateDirectory(Path.Combine(_temp.FullName, "images"));
        Directory.CreateDirectory(Path.Combine(images.FullName, "sub"));
        var lines = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(images.FullName, "sub", $"p{i}.png"), TestImages.Png(10 + i, 6, (byte)(40 * i)));
            lines.Add($"{{\"id\": \"ok{i}\", \"input\": [\"sub/p{i}.png\"], \"resize_output\": \"original\"}}");
        }
        lines.Add("{\"id\": \"gone\", \"input\": [\"missing.png\"]}");
        lines.Add("{\"id\": \"bad\", \"input\": ");
        var manifest = Path.Combine(_temp.FullName, "manifest.jsonl");
        await File.WriteAllTextAsync(manifest, string.Join('\n', lines) + "\n");
        var endpoint = host.Endpoint.ToString();

        var (submitExit, submit) = await CliRunner.RunAsync("batches", "submit", manifest, "--images", images.FullName, "--endpoint", endpoint, "--key", Key);
        Assert.True(submitExit == 0, submit.AllStderr);
        var batchId = Assert.Single(submit.Stdout);
        Assert.Contains("'missing.png' is not in the images folder", submit.AllStderr);
        Assert.Contains("1 manifest line is invalid", submit.AllStderr);
        Assert.Contains(submit.Stderr, l => l.Contains("line 6 (line-00006): [bad-json]", StringComparison.Ordinal)); // each bad line with its reason, at submit
        Assert.Equal(5, submit.ProgressReported); // 4 images + the manifest

        var (waitExit, wait) = await CliRunner.RunAsync("batches", "wait", batchId, "--endpoint", endpoint, "--key", Key, "--timeout", "60s", "--interval", "0.1s");
        Assert.Equal(1, waitExit); // finished, with two items failed
        Assert.Equal($"{batchId} finished 6/6", Assert.Single(wait.Stdout));
        Assert.Equal(6, wait.ProgressReported);
        Assert.Contains("missing.png", wait.AllStderr);
        Assert.Empty(host.TriggerErrors);

        var (statusExit, status) = await CliRunner.RunAsync("batches", "status", batchId, "--endpoint", endpoint, "--key", Key, "--json");
        Assert.Equal(0, statusExit);
        using var statusJson = JsonDocument.Parse(Assert.Single(status.Stdout));
        Assert.Equal("finished", statusJson.RootElement.GetProperty("state").GetString());
        Assert.Equal(4, statusJson.RootElement.GetProperty("counts").GetProperty("succeeded").GetInt32());
        Assert.Equal(2, statusJson.RootElement.GetProperty("counts").GetProperty("failed").GetInt32());

        var (listExit, list) = await CliRunner.RunAsync("batches", "list", "--endpoint", endpoint, "--key", Key);
        Assert.Equal(0, listExit);
        Assert.Contains($"{batchId} finished 6/6", list.Stdout);
        var (aliasExit, alias) = await CliRunner.RunAsync("status", "--endpoint", endpoint, "--key", Key); // the old flat name, hidden, still lists
        Assert.Equal(0, aliasExit);
        Assert.Equal(list.Stdout, alias.Stdout);

        // Every --json answer is camelCase, ids whole.
        foreach (var args in new string[][] { ["batches", "status", batchId], ["batches", "list"], ["batches", "wait", batchId, "--timeout", "10s"], ["batches", "cancel", batchId] })
        {
            var (jsonExit, json) = await CliRunner.RunAsync([.. args, "--endpoint", endpoint, "--key", Key, "--json"]);
            Assert.True(jsonExit is 0 or 1, json.AllStderr);
            var document = JsonDocument.Parse(Assert.Single(json.Stdout)).RootElement;
            JsonStyle.AssertCamelCase(document, string.Join(' ', args));
            Assert.Contains(batchId, Assert.Single(json.Stdout));
            if (args[1] == "cancel")
                Assert.Contains("too late", document.GetProperty("note").GetString()); // the answer's note, kept in --json
        }

        // A cancel after every item finished changes nothing: the summary says the batch finished.
        var (cancelExit, cancel) = await CliRunner.RunAsync("batches", "cancel", batchId, "--endpoint", endpoint, "--key", Key);
        Assert.True(cancelExit == 0, cancel.AllStderr);
        Assert.Equal($"{batchId} finished 6/6", Assert.Single(cancel.Stdout));
        Assert.Contains("The cancel came too late", cancel.AllStderr); // and said in text

        var outDir = Path.Combine(_temp.FullName, "out");
        var (fetchExit, fetch) = await CliRunner.RunAsync("batches", "fetch", batchId, "--endpoint", endpoint, "--key", Key, "--out", outDir);
        Assert.True(fetchExit == 1, fetch.AllStderr);
        var records = ResultsJsonl.Read(await File.ReadAllTextAsync(Path.Combine(outDir, "results.jsonl")));
        Assert.Equal(6, records.Count);
        var gone = records.Single(r => r.Id == "gone");
        Assert.Equal(ResultStatus.Failed, gone.Status);
        var (_, humanStatus) = await CliRunner.RunAsync("batches", "status", batchId, "--endpoint", endpoint, "--key", Key);
        Assert.Contains($"gone: [{gone.ErrorCode}] ", humanStatus.AllStderr); // each failed item with its reason code
        Assert.Contains(records, r => r.Id.StartsWith("line-", StringComparison.Ordinal) && r.Status == ResultStatus.Failed && r.Error is not null);
        foreach (var i in Enumerable.Range(0, 4))
        {
            var record = records.Single(r => r.Id == $"ok{i}");
            Assert.Equal(ResultStatus.Succeeded, record.Status);
            Assert.Equal([$"items/ok{i}/ok{i}.png"], record.Outputs);
            Assert.NotNull(record.Timings);
            using var png = Image.Load(Path.Combine(outDir, record.Outputs[0]));
            Assert.Equal((10 + i, 6), (png.Width, png.Height));
        }
        // The per-item result.json 'lvm complete' writes: for each item that reached the model, its record as in results.jsonl.
        foreach (var record in records)
        {
            var resultJson = Path.Combine(outDir, "items", record.Id, "result.json");
            if (record.Status == ResultStatus.Succeeded)
                Assert.Equal(ResultsJsonl.Serialize(record), await File.ReadAllTextAsync(resultJson));
            else
                Assert.False(File.Exists(resultJson), $"{record.Id} never reached the model: no result.json, as with lvm complete");
        }
        var gallery = await File.ReadAllTextAsync(Path.Combine(outDir, "gallery.html"));
        Assert.Contains($"Batch {batchId}", gallery);
        Assert.Contains("src=\"items/ok3/ok3.png\"", gallery);
        Assert.False(Directory.Exists(Path.Combine(_temp.FullName, "unused-cache")), "a model in Worker:ModelsDirectory is not downloaded");
    }

    [Fact]
    public async Task Platform_commands_report_a_wrong_key_an_unknown_batch_and_an_unfinished_fetch_as_errors()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        var endpoint = host.Endpoint.ToString();
        var images = Directory.CreateDirectory(Path.Combine(_temp.FullName, "inputs"));
        await File.WriteAllBytesAsync(Path.Combine(images.FullName, "a.png"), TestImages.Png(8, 8, 1));
        var manifest = Path.Combine(_temp.FullName, "manifest.jsonl");
        await File.WriteAllTextAsync(manifest, "{\"id\": \"a\", \"input\": [\"a.png\"]}\n", Encoding.UTF8);

        var (wrongKeyExit, wrongKey) = await CliRunner.RunAsync("batches", "submit", manifest, "--images", images.FullName, "--endpoint", endpoint, "--key", "nope");
        Assert.Equal(3, wrongKeyExit);
        Assert.Contains("401", wrongKey.AllStderr);
        Assert.Contains("function key", wrongKey.AllStderr);

        var (unknownExit, unknown) = await CliRunner.RunAsync("batches", "status", "b20990101000000-0000000000000000", "--endpoint", endpoint, "--key", Key);
        Assert.Equal(2, unknownExit);
        Assert.Contains("does not exist", unknown.AllStderr);

        // No worker runs: the batch is planned but never finishes. Images come from inputs/ beside the manifest.
        var (submitExit, submit) = await CliRunner.RunAsync("batches", "submit", manifest, "--endpoint", endpoint, "--key", Key, "--json");
        Assert.Equal(0, submitExit);
        var submitted = JsonDocument.Parse(Assert.Single(submit.Stdout)).RootElement;
        JsonStyle.AssertCamelCase(submitted, "batches submit");
        var batchId = submitted.GetProperty("batchId").GetString()!;
        var (fetchExit, fetch) = await CliRunner.RunAsync("batches", "fetch", batchId, "--endpoint", endpoint, "--key", Key, "--out", Path.Combine(_temp.FullName, "out"));
        Assert.Equal(3, fetchExit);
        Assert.Contains("409", fetch.AllStderr);
        var (waitExit, wait) = await CliRunner.RunAsync("batches", "wait", batchId, "--endpoint", endpoint, "--key", Key, "--timeout", "1s", "--interval", "0.2s");
        Assert.Equal(3, waitExit);
        Assert.Contains("after 00:00:01", wait.AllStderr);

        var (noEndpointExit, noEndpoint) = await CliRunner.RunAsync("batches", "status", batchId);
        Assert.Equal(2, noEndpointExit);
        Assert.Contains("LVM_ENDPOINT", noEndpoint.AllStderr);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
