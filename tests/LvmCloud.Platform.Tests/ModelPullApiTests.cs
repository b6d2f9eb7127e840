using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <c>lvm models pull --endpoint</c>: the API grants one read-only SAS URL per file of a registered model
/// (<c>POST /api/models/{name}/{version}/downloads</c>) and the ranges come straight from Azurite; an unregistered model
/// is a 404 with its reason, and no URL reaches outside the model or writes.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelPullApiTests(AzuriteFixture azurite) : IDisposable
{
    private const string Key = "pull-api-key";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-pull-api-");
    private readonly string _version = "v" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _temp.Delete(recursive: true);

    private BlobContainerClient Models => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageLayout.ModelsContainer);

    [Fact]
    public async Task Pull_through_the_api_is_byte_identical_with_read_only_urls_and_an_unregistered_model_is_a_404()
    {
        var folder = TinyModel.Save(_temp.FullName);
        File.WriteAllText(Path.Combine(folder, "README.md"), "# tiny\n");
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        await using var host = await FunctionsHttpHost.StartAsync(harness, Key);
        var endpoint = host.Endpoint.ToString();
        var (pushExit, push) = await CliRunner.RunAsync("models", "push", folder, "--name", "apipulled", "--version", _version, "--connection", azurite.ConnectionString);
        Assert.True(pushExit == 0, push.AllStderr);
        var target = Path.Combine(_temp.FullName, "pulled");

        var (exit, console) = await CliRunner.RunAsync("models", "pull", $"apipulled/{_version}", "--out", target, "--endpoint", endpoint, "--key", Key, "--range-mib", "1");

        Assert.True(exit == 0, console.AllStderr);
        Assert.Equal(Path.GetFullPath(target), Assert.Single(console.Stdout));
        var blobs = new List<string>();
        await foreach (var blob in Models.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"apipulled/{_version}/", CancellationToken.None))
            blobs.Add(blob.Name[$"apipulled/{_version}/".Length..]);
        Assert.Equal(blobs.Order(StringComparer.Ordinal), Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(target, f).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal));
        Assert.Contains("transformer/model.safetensors", blobs);
        foreach (var relative in blobs)
            Assert.Equal((await Models.GetBlobClient($"apipulled/{_version}/{relative}").DownloadContentAsync()).Value.Content.ToArray(),
                await File.ReadAllBytesAsync(Path.Combine(target, relative)));

        // The grant: every file, lvm.json included, each URL read-only and for its one blob.
        using var http = new HttpClient { BaseAddress = PlatformApiClient.ApiRoot(host.Endpoint) };
        http.DefaultRequestHeaders.Add(PlatformApiClient.KeyHeader, Key);
        using (var granted = await http.PostAsync($"models/apipulled/{_version}/downloads", null))
        {
            Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
            var grant = (await granted.Content.ReadFromJsonAsync<ModelDownloadGrant>(Web))!;
            Assert.Equal(blobs.Order(StringComparer.Ordinal), grant.Downloads.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length), grant.Bytes);
            var sas = grant.Downloads["README.md"];
            Assert.Contains("sr=b", sas.Query, StringComparison.Ordinal);
            Assert.Contains("sp=r&", sas.Query + "&", StringComparison.Ordinal);
            var denied = await Assert.ThrowsAsync<RequestFailedException>(() => new BlockBlobClient(sas).UploadAsync(new BinaryData("changed").ToStream()));
            Assert.Equal(403, denied.Status);
            var elsewhere = new UriBuilder(sas) { Path = sas.AbsolutePath.Replace("README.md", "lvm.json", StringComparison.Ordinal) }.Uri;
            var refused = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(elsewhere).DownloadContentAsync());
            Assert.Equal(403, refused.Status);
        }

        // Not registered (no lvm.json): a 404 with the reason, and the CLI says how to list the registered models.
        await Models.GetBlobClient($"halfway/{_version}/transformer/model.safetensors").UploadAsync(BinaryData.FromBytes(new byte[10]));
        await AssertRefusedAsync(http, $"models/halfway/{_version}/downloads", HttpStatusCode.NotFound, $"Model halfway/{_version} is not registered");
        await AssertRefusedAsync(http, $"models/bad..name/{_version}/downloads", HttpStatusCode.BadRequest, "is not valid");
        var never = Path.Combine(_temp.FullName, "never");
        var (missingExit, missing) = await CliRunner.RunAsync("models", "pull", $"halfway/{_version}", "--out", never, "--endpoint", endpoint, "--key", Key);
        Assert.Equal(2, missingExit);
        Assert.Contains($"Model halfway/{_version} is not registered", missing.AllStderr);
        Assert.Contains("lvm models list", missing.AllStderr);
        Assert.False(Directory.Exists(never));
    }

    private static async Task AssertRefusedAsync(HttpClient http, string route, HttpStatusCode status, string detail)
    {
        using var answer = await http.PostAsync(route, null);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == status, $"POST {route}: {(int)answer.StatusCode} {text}");
        using var problem = JsonDocument.Parse(text);
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
