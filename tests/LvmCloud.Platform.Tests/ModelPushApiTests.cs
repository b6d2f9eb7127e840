using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Models;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <c>lvm models push --endpoint</c>: the API grants one SAS URL per file (<c>POST /api/models/{name}/{version}/uploads</c>),
/// the blocks go straight to Azurite, and <c>POST .../commit</c> checks the files and writes <c>lvm.json</c>; then a batch
/// runs on the pushed model through the worker, which downloads it from the <c>models</c> container.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelPushApiTests(AzuriteFixture azurite) : IDisposable
{
    private const string Key = "push-api-key";
    private const int BlockSize = 4 * 1024;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-push-api-");
    private readonly string _version = "v" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _temp.Delete(recursive: true);

    private BlobContainerClient Models => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageLayout.ModelsContainer);

    [Fact]
    public async Task Push_through_the_api_round_trips_byte_identical_and_registers_the_model()
    {
        var folder = TinyModel.Save(_temp.FullName);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);

        var (exit, console) = await CliRunner.RunAsync("models", "push", folder, "--name", "apipushed", "--version", _version,
            "--endpoint", host.Endpoint.ToString(), "--key", Key, "--block-mib", "1", "--parallel", "4");

        Assert.True(exit == 0, console.AllStderr);
        Assert.Equal($"apipushed/{_version}", Assert.Single(console.Stdout));
        var files = ModelPusher.FilesOf(folder);
        Assert.Equal(files.Sum(f => new FileInfo(Path.Combine(folder, f)).Length), console.ProgressReported);
        foreach (var relative in files)
        {
            var blob = Models.GetBlobClient($"apipushed/{_version}/{relative}");
            var local = await File.ReadAllBytesAsync(Path.Combine(folder, relative));
            Assert.Equal(local, (await blob.DownloadContentAsync()).Value.Content.ToArray());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(local)), (await blob.GetPropertiesAsync()).Value.Metadata[BlobChecksums.Sha256MetadataKey]);
        }
        using var settings = JsonDocument.Parse((await Models.GetBlobClient($"apipushed/{_version}/lvm.json").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("apipushed", settings.RootElement.GetProperty("name").GetString());
        Assert.Equal(_version, settings.RootElement.GetProperty("version").GetString());
        Assert.Equal(4, settings.RootElement.GetProperty("context_frames").GetInt32());

        using var api = new PlatformApiClient(host.Endpoint, Key);
        var listed = await api.ListModelsAsync(CancellationToken.None);
        Assert.Contains(listed.Models, m => m.Name == "apipushed" && m.Version == _version);
    }

    [Fact]
    public async Task A_grant_is_one_blob_scoped_sas_per_file_and_bad_names_paths_and_registered_versions_are_refused()
    {
        var folder = TinyModel.Save(_temp.FullName);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        using var http = new HttpClient { BaseAddress = PlatformApiClient.ApiRoot(host.Endpoint) };
        http.DefaultRequestHeaders.Add(PlatformApiClient.KeyHeader, Key);
        var one = new { files = new[] { new { path = "transformer/model.safetensors", size = 10L } } };

        // The grant: 201, one SAS per file naming exactly that blob, with create, write and read and an expiry.
        using (var granted = await http.PostAsJsonAsync($"models/scoped/{_version}/uploads",
                   new { files = new[] { new { path = "tokenizer/a.bin", size = 3L }, new { path = "transformer/b.bin", size = 5L } } }, Web))
        {
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
            var grant = (await granted.Content.ReadFromJsonAsync<ModelUploadGrant>(Web))!;
            Assert.Equal($"scoped/{_version}", grant.Model);
            Assert.Equal(8, grant.Bytes);
            Assert.InRange(grant.ExpiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(31));
            var sas = grant.Uploads["tokenizer/a.bin"];
            Assert.EndsWith($"/models/scoped/{_version}/tokenizer/a.bin", sas.AbsolutePath, StringComparison.Ordinal);
            Assert.Contains("sr=b", sas.Query, StringComparison.Ordinal);
            Assert.Contains("sp=rcw", sas.Query, StringComparison.Ordinal);
            await new BlockBlobClient(sas).UploadAsync(new BinaryData("abc").ToStream());
            // The same signature on another blob of the model (lvm.json above all) is refused by storage.
            var elsewhere = new UriBuilder(sas) { Path = sas.AbsolutePath.Replace("tokenizer/a.bin", "lvm.json", StringComparison.Ordinal) }.Uri;
            var refused = await Assert.ThrowsAsync<RequestFailedException>(() => new BlockBlobClient(elsewhere).UploadAsync(new BinaryData("{}").ToStream()));
            Assert.Equal(403, refused.Status);
        }

        await AssertRefusedAsync(http, $"models/bad..name/{_version}/uploads", one, HttpStatusCode.BadRequest, "is not valid");
        await AssertRefusedAsync(http, $"models/ok/{_version}/uploads", new { files = new[] { new { path = "tokenizer/../../other/1/x", size = 1L } } },
            HttpStatusCode.BadRequest, "'..' segment");
        await AssertRefusedAsync(http, $"models/ok/{_version}/uploads", new { files = new[] { new { path = "lvm.json", size = 1L } } },
            HttpStatusCode.BadRequest, "the commit writes it");
        await AssertRefusedAsync(http, $"models/ok/{_version}/uploads", new { files = new[] { new { path = "tokenizer/a", size = -1L } } },
            HttpStatusCode.BadRequest, "has size -1");
        await AssertRefusedAsync(http, $"models/ok/{_version}/uploads", new { files = Enumerable.Range(0, 101).Select(i => new { path = $"transformer/{i}.bin", size = 1L }) },
            HttpStatusCode.BadRequest, "at most 100 per request");
        await AssertRefusedAsync(http, $"models/ok/{_version}/uploads", new { files = Array.Empty<object>() }, HttpStatusCode.BadRequest, "No files announced");
        // A commit before the files are there registers nothing.
        await AssertRefusedAsync(http, $"models/early/{_version}/commit",
            new { settings = new { context_frames = 4 }, files = new[] { new { path = "tokenizer/a.bin", size = 3L, sha256 = "00" }, new { path = "transformer/b.bin", size = 5L, sha256 = "00" } } },
            HttpStatusCode.BadRequest, "is not uploaded");
        Assert.False((await Models.GetBlobClient($"early/{_version}/lvm.json").ExistsAsync()).Value);

        // A registered version: the grant, the commit and the CLI are all refused with a 409 and the reason.
        var endpoint = host.Endpoint.ToString();
        var (first, firstConsole) = await CliRunner.RunAsync("models", "push", folder, "--name", "taken", "--version", _version, "--endpoint", endpoint, "--key", Key);
        Assert.True(first == 0, firstConsole.AllStderr);
        await AssertRefusedAsync(http, $"models/taken/{_version}/uploads", one, HttpStatusCode.Conflict, "is registered already");
        await AssertRefusedAsync(http, $"models/taken/{_version}/commit",
            new { settings = new { context_frames = 4 }, files = new[] { new { path = "tokenizer/a.bin", size = 3L, sha256 = "00" }, new { path = "transformer/b.bin", size = 5L, sha256 = "00" } } },
            HttpStatusCode.Conflict, "is registered already");
        var (again, againConsole) = await CliRunner.RunAsync("models", "push", folder, "--name", "taken", "--version", _version, "--endpoint", endpoint, "--key", Key);
        Assert.Equal(2, again);
        Assert.Contains($"409 Conflict: Model taken/{_version} is registered already", againConsole.AllStderr);

        // The CLI itself: exactly one of --connection and --endpoint, and a wrong key is named.
        var (both, bothConsole) = await CliRunner.RunAsync("models", "push", folder, "--name", "x", "--version", _version, "--endpoint", endpoint, "--connection", azurite.ConnectionString);
        Assert.Equal(2, both);
        Assert.Contains("not both", bothConsole.AllStderr);
        var (wrongKey, wrongKeyConsole) = await CliRunner.RunAsync("models", "push", folder, "--name", "x", "--version", _version, "--endpoint", endpoint, "--key", "wrong");
        Assert.NotEqual(0, wrongKey);
        Assert.Contains("401", wrongKeyConsole.AllStderr);
    }

    [Fact]
    public async Task An_interrupted_api_push_is_not_registered_and_resumes_without_resending_staged_blocks()
    {
        var folder = TinyModel.Save(_temp.FullName);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        using var api = new PlatformApiClient(host.Endpoint, Key);
        var files = ModelPusher.FilesOf(folder);
        int totalBlocks = files.Sum(f => (int)Math.Max(1, (new FileInfo(Path.Combine(folder, f)).Length + BlockSize - 1) / BlockSize));
        Assert.True(totalBlocks > 20, $"the tiny model should cut into many {BlockSize}-byte blocks, got {totalBlocks}");

        using var stop = new CancellationTokenSource();
        int landed = 0;
        var counting = new Progress(_ =>
        {
            if (Interlocked.Increment(ref landed) == 15) stop.Cancel();
        });
        var interrupted = new ModelPusher(new ApiPushTarget(api), new ResumableBlockUpload(BlockSize, parallelism: 1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.PushAsync(folder, "apiresumed", _version, counting, stop.Token));

        Assert.Equal(15, landed);
        Assert.DoesNotContain((await api.ListModelsAsync(CancellationToken.None)).Models, m => m.Name == "apiresumed" && m.Version == _version);

        // A new run (a new process: a new grant) sends only what is missing.
        var result = await new ModelPusher(new ApiPushTarget(api), new ResumableBlockUpload(BlockSize, parallelism: 1))
            .PushAsync(folder, "apiresumed", _version, null, CancellationToken.None);

        Assert.Equal(15, result.Files.Values.Sum(f => f.AlreadyCommitted ? f.Blocks : f.BlocksReused));
        Assert.Equal(totalBlocks - 15, result.Files.Values.Sum(f => f.BlocksSent));
        Assert.Contains(result.Files.Values, f => f.BlocksReused > 0);
        Assert.Contains((await api.ListModelsAsync(CancellationToken.None)).Models, m => m.Name == "apiresumed" && m.Version == _version);
        foreach (var relative in files)
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, relative)),
                (await Models.GetBlobClient($"apiresumed/{_version}/{relative}").DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_batch_runs_on_a_model_pushed_through_the_api_and_records_its_name_and_version()
    {
        var folder = TinyModel.Save(Path.Combine(_temp.FullName, "local"), seed: 3);
        var cache = Path.Combine(_temp.FullName, "cache");
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Worker:ModelsDirectory"] = Directory.CreateDirectory(Path.Combine(_temp.FullName, "no-local-models")).FullName,
            ["Worker:ModelCacheDirectory"] = cache,
        });
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        await harness.StartWorkerAsync();
        var endpoint = host.Endpoint.ToString();

        var (pushExit, push) = await CliRunner.RunAsync("models", "push", folder, "--name", "pushedrun", "--version", _version, "--endpoint", endpoint, "--key", Key);
        Assert.True(pushExit == 0, push.AllStderr);

        var images = Directory.CreateDirectory(Path.Combine(_temp.FullName, "images"));
        var lines = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(images.FullName, $"p{i}.png"), TestImages.Png(10 + i, 6, (byte)(50 * i)));
            lines.Add($"{{\"id\": \"item{i}\", \"input\": [\"p{i}.png\"]}}");
        }
        var manifest = Path.Combine(_temp.FullName, "manifest.jsonl");
        await File.WriteAllTextAsync(manifest, string.Join('\n', lines) + "\n");

        var (submitExit, submit) = await CliRunner.RunAsync("batches", "submit", manifest, "--images", images.FullName, "--endpoint", endpoint, "--key", Key,
            "--model", $"pushedrun/{_version}");
        Assert.True(submitExit == 0, submit.AllStderr);
        var batchId = Assert.Single(submit.Stdout);
        var (waitExit, wait) = await CliRunner.RunAsync("batches", "wait", batchId, "--endpoint", endpoint, "--key", Key, "--timeout", "120s", "--interval", "0.1s");
        Assert.True(waitExit == 0, wait.AllStderr);

        using var api = new PlatformApiClient(host.Endpoint, Key);
        var status = await api.GetStatusAsync(batchId, CancellationToken.None);
        Assert.Equal("finished", status.State);
        Assert.Equal(3, status.Count("succeeded"));
        Assert.Equal($"pushedrun/{_version}", status.Model);
        Assert.Empty(host.TriggerErrors);
        // The worker had no local copy: it downloaded the pushed files, checked against their SHA-256.
        foreach (var relative in ModelPusher.FilesOf(folder))
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, relative)),
                await File.ReadAllBytesAsync(Path.Combine(cache, "pushedrun", _version, relative)));
    }

    [Fact]
    public async Task A_url_storage_refuses_mid_push_is_asked_for_again_and_the_push_completes()
    {
        var folder = TinyModel.Save(_temp.FullName);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        using var api = new PlatformApiClient(host.Endpoint, Key);
        var target = new RefusedOnceTarget(new ApiPushTarget(api), refused: ModelPusher.FilesOf(folder)[^1]);

        var result = await new ModelPusher(target, new ResumableBlockUpload(BlockSize * 16, parallelism: 2))
            .PushAsync(folder, "renewed", _version, null, CancellationToken.None);

        Assert.Equal(1, target.Renewals);
        Assert.Equal($"renewed/{_version}", result.Model);
        Assert.Contains((await api.ListModelsAsync(CancellationToken.None)).Models, m => m.Name == "renewed" && m.Version == _version);
    }

    private static async Task AssertRefusedAsync(HttpClient http, string route, object body, HttpStatusCode status, string detail)
    {
        using var answer = await http.PostAsJsonAsync(route, body, Web);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == status, $"POST {route}: {(int)answer.StatusCode} {text}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The API's target, except that the first URL handed out for <c>refused</c> carries a wrong signature (as an
    /// expired one, storage answers 403): the pusher must ask for fresh access (<c>renew</c>) and go on.
    /// </summary>
    private sealed class RefusedOnceTarget(ApiPushTarget inner, string refused) : IModelPushTarget
    {
        private bool _spoiled;

        public int Renewals { get; private set; }

        public bool CanRenew => inner.CanRenew;

        public Task PrepareAsync(string name, string version, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken) =>
            inner.PrepareAsync(name, version, files, cancellationToken);

        public async Task<BlockBlobClient> BlobAsync(string relative, bool renew, CancellationToken cancellationToken)
        {
            if (renew)
                Renewals++;
            var blob = await inner.BlobAsync(relative, renew, cancellationToken);
            if (relative != refused || _spoiled)
                return blob;
            _spoiled = true;
            var spoiled = new UriBuilder(blob.Uri);
            spoiled.Query = System.Text.RegularExpressions.Regex.Replace(spoiled.Query.TrimStart('?'), "sig=[^&]+", "sig=AAAA");
            return new BlockBlobClient(spoiled.Uri);
        }

        public Task CommitAsync(Vision.Pipelines.LvmModelSettings settings, IReadOnlyList<ModelPushFile> files, CancellationToken cancellationToken) =>
            inner.CommitAsync(settings, files, cancellationToken);
    }

    /// <summary>Counts synchronously (System.Progress posts to the thread pool, too late to stop at an exact block).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
