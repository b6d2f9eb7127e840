using System.Text.Json;
using LvmCloud.Core.Tokens;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <c>lvm datasets upload/status/tokenize/fetch-tokens</c> against the HTTP API over real HTTP (the local API host, with
/// its dataset watcher in place of the Event Grid trigger), a real worker and the tiny VQGAN; the fetched shards train.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CliDatasetsCommandsTests(AzuriteFixture azurite) : IDisposable
{
    private const string Key = "test-function-key";
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-cli-datasets-");

    [Fact]
    public async Task Upload_tokenize_status_and_fetch_tokens_over_http_give_shards_lvm_train_reads()
    {
        var models = Path.Combine(_temp.FullName, "models");
        var modelFolder = TinyModel.Save(models);
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Tokenize:ChunkSize"] = "4",
            ["Tokenize:DefaultTokenizerName"] = TinyModel.Name,
            ["Tokenize:DefaultTokenizerVersion"] = TinyModel.Version,
            ["Tokenize:ModelsDirectory"] = models,
            ["Worker:ModelsDirectory"] = models,
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
        });
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        await harness.StartWorkerAsync();
        var dataset = new DatasetSeeder(harness, Path.Combine(_temp.FullName, "data"));
        try
        {
            dataset.AddSentences(6);
            dataset.AddLine("{\"images\": [\"s0000/00.png\"], \"kind\": \"Not A Kind\"}");
            await File.WriteAllTextAsync(Path.Combine(dataset.Folder, "sentences.jsonl"), string.Join('\n', dataset.Lines) + "\n");
            string[] Api(params string[] args) => [.. args, "--endpoint", host.Endpoint.ToString(), "--key", Key];

            var (uploadExit, upload) = await CliRunner.RunAsync(Api("datasets", "upload", dataset.Folder, "--name", dataset.Name, "--json"));
            Assert.True(uploadExit == 0, upload.AllStderr);
            Assert.Equal(13, upload.ProgressReported); // 12 images, then sentences.jsonl
            Assert.Contains("1 line of sentences.jsonl is invalid", upload.AllStderr);
            using (var answer = JsonDocument.Parse(Assert.Single(upload.Stdout)))
            {
                JsonStyle.AssertCamelCase(answer.RootElement, "datasets upload");
                Assert.Equal(12, answer.RootElement.GetProperty("imagesUploaded").GetInt32());
                var runId = answer.RootElement.GetProperty("tokenizeRunId").GetString();
                Assert.Contains($"tokenize run {runId} of {dataset.Name}", upload.AllStderr); // says which run the upload started
            }

            // The upload trigger plans the run; tokenize --wait follows it (or finds the dataset current).
            var (waitExit, wait) = await CliRunner.RunAsync(Api("datasets", "tokenize", dataset.Name, "--wait", "--timeout", "60s", "--interval", "0.1s"));
            Assert.True(waitExit == 0, wait.AllStderr);
            await WaitForShardsAsync(Api, dataset.Name, 2);

            // Uploading the same folder again sends only sentences.jsonl, and plans nothing.
            var (againExit, again) = await CliRunner.RunAsync(Api("datasets", "upload", dataset.Folder, "--name", dataset.Name));
            Assert.True(againExit == 0, again.AllStderr);
            Assert.Equal(1, again.ProgressReported);
            Assert.Contains("12 unchanged", again.AllStderr);

            var (forceExit, force) = await CliRunner.RunAsync(Api("datasets", "tokenize", dataset.Name, "--force", "--wait", "--timeout", "60s", "--interval", "0.1s"));
            Assert.True(forceExit == 0, force.AllStderr);
            Assert.EndsWith("succeeded r000002", Assert.Single(force.Stdout));

            var (statusExit, status) = await CliRunner.RunAsync(Api("datasets", "status", dataset.Name));
            Assert.Equal(0, statusExit);
            Assert.Contains("2 shards 6 sentences 768 tokens 1 skipped last run succeeded", Assert.Single(status.Stdout));
            Assert.Contains("line-00007 (line 7, out-of-range)", status.AllStderr);

            var outDir = Path.Combine(_temp.FullName, "tokens");
            var (fetchExit, fetch) = await CliRunner.RunAsync(Api("datasets", "fetch-tokens", dataset.Name, "--out", outDir));
            Assert.True(fetchExit == 0, fetch.AllStderr);
            Assert.Equal(7, fetch.ProgressReported); // 2 x (.jsonl, .bin, .index.json) + index.json
            Assert.Equal([Path.Combine(outDir, "shard-00000.bin"), Path.Combine(outDir, "shard-00001.bin")], fetch.Stdout);
            Assert.Equal([4, 2], fetch.Stdout.Select(bin => TokenShardReader.Read(bin).Count));
            Assert.True(File.Exists(Path.Combine(outDir, "index.json")));

            var (trainExit, train) = await CliRunner.RunAsync("train", "--tokens", fetch.Stdout[0], fetch.Stdout[1], "--out", Path.Combine(_temp.FullName, "run"),
                "--config", Path.Combine(modelFolder, "transformer", "config.json"), "--steps", "2", "--batch-size", "2", "--warmup", "1",
                "--eval-every", "100", "--checkpoint-every", "2", "--threads", "1");
            Assert.True(trainExit == 0, train.AllStderr);
            Assert.Contains("6 training sentences of 128 tokens", train.AllStderr);

            var (listExit, list) = await CliRunner.RunAsync(Api("datasets", "list"));
            Assert.Equal(0, listExit);
            Assert.Contains(dataset.Name, list.Stdout);
            foreach (var args in new string[][] { ["datasets", "list"], ["datasets", "status", dataset.Name], ["datasets", "tokenize", dataset.Name], ["datasets", "fetch-tokens", dataset.Name, "--out", outDir] })
            {
                var (jsonExit, json) = await CliRunner.RunAsync(Api([.. args, "--json"]));
                Assert.True(jsonExit == 0, json.AllStderr);
                using var document = JsonDocument.Parse(Assert.Single(json.Stdout));
                JsonStyle.AssertCamelCase(document.RootElement, string.Join(' ', args));
            }
            Assert.Empty(host.DatasetTriggerErrors);
        }
        finally
        {
            await dataset.DeleteAsync();
        }
    }

    [Fact]
    public async Task Upload_of_more_files_than_one_request_may_announce_pages_its_announcements_and_starts_one_tokenize_run()
    {
        var models = Path.Combine(_temp.FullName, "models");
        TinyModel.Save(models);
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Intake:MaxFilesPerUpload"] = "5",
            ["Tokenize:ChunkSize"] = "4",
            ["Tokenize:DefaultTokenizerName"] = TinyModel.Name,
            ["Tokenize:DefaultTokenizerVersion"] = TinyModel.Version,
            ["Tokenize:ModelsDirectory"] = models,
        });
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        var dataset = new DatasetSeeder(harness, Path.Combine(_temp.FullName, "data"));
        try
        {
            dataset.AddSentences(6); // 12 images + sentences.jsonl: 13 files, 3 pages of at most 5
            await File.WriteAllTextAsync(Path.Combine(dataset.Folder, "sentences.jsonl"), string.Join('\n', dataset.Lines) + "\n");
            string[] Api(params string[] args) => [.. args, "--endpoint", host.Endpoint.ToString(), "--key", Key];

            // In one request the platform refuses them (its limit is 5 here): the CLI must page.
            var (oneExit, one) = await CliRunner.RunAsync(Api("datasets", "upload", dataset.Folder, "--name", dataset.Name, "--files-per-request", "13"));
            Assert.Equal(2, oneExit);
            Assert.Contains("Too many files: 13 announced, at most 5 per request", one.AllStderr);

            var (pagedExit, paged) = await CliRunner.RunAsync(Api("datasets", "upload", dataset.Folder, "--name", dataset.Name, "--files-per-request", "5", "--json"));
            Assert.True(pagedExit == 0, paged.AllStderr);
            Assert.Equal(13, paged.ProgressReported);
            using var answer = JsonDocument.Parse(Assert.Single(paged.Stdout));
            Assert.Equal(12, answer.RootElement.GetProperty("imagesUploaded").GetInt32());
            var runId = answer.RootElement.GetProperty("tokenizeRunId").GetString();
            Assert.Matches("^r[0-9]+$", runId);
            Assert.Contains($"tokenize run {runId} of {dataset.Name}", paged.AllStderr);

            // Every image is in the dataset: a second paged upload finds all 12 unchanged and uploads only sentences.jsonl.
            var (againExit, again) = await CliRunner.RunAsync(Api("datasets", "upload", dataset.Folder, "--name", dataset.Name, "--files-per-request", "5"));
            Assert.True(againExit == 0, again.AllStderr);
            Assert.Contains("12 unchanged", again.AllStderr);
            Assert.Equal(1, again.ProgressReported);
        }
        finally
        {
            await dataset.DeleteAsync();
        }
    }

    private static async Task WaitForShardsAsync(Func<string[], string[]> api, string dataset, int shards)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var (_, status) = await CliRunner.RunAsync(api(["datasets", "status", dataset, "--json"]));
            using var json = JsonDocument.Parse(Assert.Single(status.Stdout));
            var tokenizer = json.RootElement.GetProperty("tokenizers").EnumerateArray().SingleOrDefault();
            if (tokenizer.ValueKind == JsonValueKind.Object && tokenizer.GetProperty("shards").GetInt32() == shards
                && !tokenizer.TryGetProperty("activeRun", out _)) // nulls are left out, as in the HTTP API
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Dataset {dataset} has no {shards} shards after 60 s: {status.Stdout[0]}");
            await Task.Delay(100);
        }
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
