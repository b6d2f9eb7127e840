using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Azure;
using Azure.Storage.Blobs;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Platform.Tests.Access;

/// <summary>What the SAS URLs the API hands out can do in real storage (Azurite), and that they stop working when their lifetime ends.</summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class SasTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Upload_sas_cannot_read_list_write_or_delete_another_batchs_blobs()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var mine = await CreateAsync(api, ["inputs/a.png"]);
        var other = await CreateAsync(api, ["inputs/a.png"]);
        await new BlobClient(other.Uploads["inputs/a.png"]).UploadAsync(BinaryData.FromString("theirs"));
        var sas = mine.Uploads["inputs/a.png"];
        await new BlobClient(sas).UploadAsync(BinaryData.FromString("mine"));
        var theirs = new BlobClient(new BlobUriBuilder(sas) { BlobName = $"{other.BatchId}/inputs/a.png" }.ToUri());
        var container = new BlobContainerClient(new BlobUriBuilder(sas) { BlobName = "" }.ToUri());

        await Refused(() => theirs.DownloadContentAsync());
        await Refused(() => theirs.GetPropertiesAsync());
        await Refused(() => theirs.UploadAsync(BinaryData.FromString("overwritten"), overwrite: true));
        await Refused(() => theirs.DeleteAsync());
        await Refused(() => container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, other.BatchId, CancellationToken.None).AsPages().GetAsyncEnumerator().MoveNextAsync().AsTask());
        await Refused(() => container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, mine.BatchId, CancellationToken.None).AsPages().GetAsyncEnumerator().MoveNextAsync().AsTask());
        await Refused(() => new BlobClient(sas).DownloadContentAsync()); // not even its own blob
        await Refused(() => new BlobClient(sas).DeleteAsync());

        Assert.Equal("theirs", (await harness.Clients.Batches.GetBlobClient($"{other.BatchId}/inputs/a.png").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("mine", (await harness.Clients.Batches.GetBlobClient($"{mine.BatchId}/inputs/a.png").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Dataset_and_training_upload_sas_write_only_their_one_blob()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var dataset = $"sas-{Guid.NewGuid():N}"[..16];
        var datasetRequest = HttpCalls.Request("POST", $"/api/datasets/{dataset}/uploads", "{\"files\": [{\"path\": \"a.png\"}]}");
        var datasetGrant = await HttpCalls.ExecuteAsync(await api.CreateDatasetUpload.Run(datasetRequest, dataset, CancellationToken.None), datasetRequest);
        Assert.Equal(201, datasetGrant.Status);
        var trainingRequest = HttpCalls.Request("POST", "/api/training/uploads", "{\"files\": [\"data/shard-00000.bin\"]}");
        var trainingGrant = await HttpCalls.ExecuteAsync(await api.CreateTrainingUploads.Run(trainingRequest, CancellationToken.None), trainingRequest);
        Assert.Equal(201, trainingGrant.Status);
        var uploads = new[] { datasetGrant, trainingGrant }
            .Select(g => JsonDocument.Parse(g.Text).RootElement.GetProperty("uploads").EnumerateObject().First().Value.GetString()!)
            .Select(u => new Uri(u)).ToList();
        await harness.Clients.Datasets.GetBlobClient("other-dataset-of-sas-test/sentences.jsonl").UploadAsync(BinaryData.FromString("theirs"), overwrite: true);
        try
        {
            foreach (var sas in uploads)
            {
                await new BlobClient(sas).UploadAsync(BinaryData.FromString("mine"));
                await Refused(() => new BlobClient(sas).DownloadContentAsync());
                await Refused(() => new BlobClient(sas).DeleteAsync());
                await Refused(() => new BlobClient(new BlobUriBuilder(sas) { BlobName = new BlobUriBuilder(sas).BlobName + "x" }.ToUri()).UploadAsync(BinaryData.FromString("x")));
                await Refused(() => new BlobClient(new BlobUriBuilder(sas) { BlobContainerName = "datasets", BlobName = "other-dataset-of-sas-test/sentences.jsonl" }.ToUri()).DownloadContentAsync());
                await Refused(() => new BlobContainerClient(new BlobUriBuilder(sas) { BlobName = "" }.ToUri())
                    .GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None).AsPages().GetAsyncEnumerator().MoveNextAsync().AsTask());
            }
        }
        finally
        {
            await harness.Clients.Datasets.GetBlobClient("other-dataset-of-sas-test/sentences.jsonl").DeleteIfExistsAsync();
            await harness.Clients.Datasets.GetBlobClient($"{dataset}/a.png").DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Upload_sas_is_refused_once_its_lifetime_has_passed()
    {
        var clock = new ShiftedClock();
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Intake:UploadSasLifetime"] = "00:10:00" }, s => s.AddSingleton<TimeProvider>(clock));
        var api = new Api(harness);

        clock.Offset = -TimeSpan.FromMinutes(9); // issued 9 minutes ago: a minute left
        var live = await CreateAsync(api, ["inputs/a.png"]);
        clock.Offset = -TimeSpan.FromMinutes(11); // issued 11 minutes ago: lapsed a minute ago
        var lapsed = await CreateAsync(api, ["inputs/a.png"]);

        Assert.InRange(lapsed.ExpiresOn - DateTimeOffset.UtcNow, -TimeSpan.FromMinutes(1.5), -TimeSpan.FromMinutes(0.5));
        Assert.Equal(lapsed.ExpiresOn.ToUnixTimeSeconds(), Expiry(lapsed.Uploads["inputs/a.png"]).ToUnixTimeSeconds());
        await new BlobClient(live.Uploads["inputs/a.png"]).UploadAsync(BinaryData.FromString("in time"));
        await Refused(() => new BlobClient(lapsed.Uploads["inputs/a.png"]).UploadAsync(BinaryData.FromString("too late")));
        await Refused(() => new BlobClient(lapsed.Uploads["manifest.jsonl"]).UploadAsync(BinaryData.FromString("{}")));
        Assert.False(await harness.Clients.Batches.GetBlobClient($"{lapsed.BatchId}/inputs/a.png").ExistsAsync());
    }

    [Fact]
    public async Task Gallery_links_read_only_their_own_file_and_expire_and_results_carry_no_sas()
    {
        var clock = new ShiftedClock();
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Intake:ReadSasLifetime"] = "00:05:00" }, s => s.AddSingleton<TimeProvider>(clock));
        var api = new Api(harness);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 2, perMessage: 2);
        await harness.StartWorkerAsync(new FlippingCompleter());
        await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));

        var links = await GalleryLinksAsync(api, batchId);
        Assert.Equal(4, links.Count); // 2 prompts, 2 completions
        Assert.Equal(2, links.Count(l => l.AbsolutePath.Contains("/batches/", StringComparison.Ordinal)));
        Assert.Equal(2, links.Count(l => l.AbsolutePath.Contains("/results/", StringComparison.Ordinal)));
        using var http = new HttpClient();
        foreach (var link in links)
        {
            Assert.Equal("r", HttpUtility.ParseQueryString(link.Query)["sp"]);
            Assert.InRange(Expiry(link) - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(link)).StatusCode);
            await Refused(() => new BlobClient(link).UploadAsync(BinaryData.FromString("x"), overwrite: true));
            await Refused(() => new BlobClient(new BlobUriBuilder(link) { BlobName = $"{batchId}/items/item-000/elsewhere.png" }.ToUri()).DownloadContentAsync());
        }
        var sibling = new BlobUriBuilder(links[0]) { BlobName = new BlobUriBuilder(links[1]).BlobName }.ToUri();
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(sibling)).StatusCode);

        clock.Offset = -TimeSpan.FromMinutes(4); // rendered 4 minutes ago: still good
        foreach (var link in await GalleryLinksAsync(api, batchId))
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(link)).StatusCode);
        clock.Offset = -TimeSpan.FromMinutes(6); // rendered 6 minutes ago: every link has lapsed
        foreach (var link in await GalleryLinksAsync(api, batchId))
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(link)).StatusCode);

        // Results link to the API's item-file URL (which asks for the function key), never to storage with a SAS.
        var request = HttpCalls.Request("GET", $"/api/batches/{batchId}/results");
        var results = await HttpCalls.ExecuteAsync(await api.Results.Run(request, batchId, CancellationToken.None), request);
        Assert.Equal(200, results.Status);
        Assert.DoesNotContain("sig=", results.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("code=", results.Text, StringComparison.OrdinalIgnoreCase); // nor the function key
        Assert.Contains($"http://localhost:7071/api/batches/{batchId}/items/item-000/", results.Text, StringComparison.Ordinal);
    }

    private static async Task<List<Uri>> GalleryLinksAsync(Api api, string batchId)
    {
        var request = HttpCalls.Request("GET", $"/api/batches/{batchId}/gallery");
        var page = await HttpCalls.ExecuteAsync(await api.Gallery.Run(request, batchId, CancellationToken.None), request);
        Assert.Equal(200, page.Status);
        return ImageSource().Matches(page.Text).Select(m => new Uri(WebUtility.HtmlDecode(m.Groups[1].Value))).Distinct().ToList();
    }

    private static DateTimeOffset Expiry(Uri sas) => DateTimeOffset.Parse(HttpUtility.ParseQueryString(sas.Query)["se"]!, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task Refused(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(call);
        Assert.Equal(403, error.Status);
    }

    private static async Task<BatchUploadGrant> CreateAsync(Api api, string[] files)
    {
        var request = HttpCalls.Request("POST", "/api/batches", JsonSerializer.Serialize(new { files }));
        var answer = await HttpCalls.ExecuteAsync(await api.Create.Run(request, CancellationToken.None), request);
        Assert.Equal(201, answer.Status);
        return JsonSerializer.Deserialize<BatchUploadGrant>(answer.Text, Web)!;
    }

    [GeneratedRegex("<img[^>]* src=\"(http[^\"]+)\"")]
    private static partial Regex ImageSource();
}
