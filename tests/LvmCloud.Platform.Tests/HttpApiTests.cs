using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LvmCloud.Platform.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class HttpApiTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Upload_sas_cannot_write_outside_its_batch_nor_read()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var grant = await CreateAsync(api, ["inputs/a.png"]);
        var other = await CreateAsync(api, ["inputs/a.png"]);
        var sas = grant.Uploads["inputs/a.png"];

        await new BlobClient(sas).UploadAsync(BinaryData.FromString("ok"));
        var elsewhere = new[]
        {
            $"{grant.BatchId}/inputs/b.png",
            $"{other.BatchId}/inputs/a.png",
            $"{grant.BatchId}/../{other.BatchId}/inputs/a.png",
        };
        foreach (var path in elsewhere)
        {
            var target = new BlobUriBuilder(sas) { BlobName = path }.ToUri();
            var error = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(target).UploadAsync(BinaryData.FromString("x")));
            Assert.Equal(403, error.Status);
        }
        var read = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(sas).DownloadContentAsync());
        Assert.Equal(403, read.Status);
        Assert.False(await harness.Clients.Batches.GetBlobClient($"{other.BatchId}/inputs/a.png").ExistsAsync());
    }

    [Fact]
    public async Task Http_functions_answer_problem_json_for_bad_requests()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);

        var traversal = HttpCalls.Request("POST", "/api/batches", "{\"files\": [\"inputs/../../x.png\"]}");
        var bad = await HttpCalls.ExecuteAsync(await api.Create.Run(traversal, CancellationToken.None), traversal);
        Assert.Equal((400, "application/problem+json"), (bad.Status, bad.ContentType));
        Assert.Contains("'..'", JsonDocument.Parse(bad.Text).RootElement.GetProperty("detail").GetString());

        var unknown = HttpCalls.Request("GET", "/api/batches/b20990101000000-0000000000000000");
        var missing = await HttpCalls.ExecuteAsync(await api.Status.Run(unknown, "b20990101000000-0000000000000000", CancellationToken.None), unknown);
        Assert.Equal((404, "application/problem+json"), (missing.Status, missing.ContentType));

        var grant = await CreateAsync(api, []);
        var early = HttpCalls.Request("GET", $"/api/batches/{grant.BatchId}/results");
        var conflict = await HttpCalls.ExecuteAsync(await api.Results.Run(early, grant.BatchId, CancellationToken.None), early);
        Assert.Equal((409, "application/problem+json"), (conflict.Status, conflict.ContentType));

        var badFile = HttpCalls.Request("GET", $"/api/batches/{grant.BatchId}/items/x/..%2Fsecret.png");
        var invalid = await HttpCalls.ExecuteAsync(await api.ItemFile.Run(badFile, grant.BatchId, "x", "../secret.png", CancellationToken.None), badFile);
        Assert.Equal(400, invalid.Status);

        var cancel = HttpCalls.Request("POST", $"/api/batches/{grant.BatchId}/cancel");
        var cancelled = await HttpCalls.ExecuteAsync(await api.Cancel.Run(cancel, grant.BatchId, CancellationToken.None), cancel);
        Assert.Equal(202, cancelled.Status);
        Assert.Equal("cancelled", JsonDocument.Parse(cancelled.Text).RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Cancel_answers_the_batch_summary_without_its_items()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 5, perMessage: 2);

        var cancel = HttpCalls.Request("POST", $"/api/batches/{batchId}/cancel");
        var answer = await HttpCalls.ExecuteAsync(await api.Cancel.Run(cancel, batchId, CancellationToken.None), cancel);

        Assert.Equal(202, answer.Status);
        var root = JsonDocument.Parse(answer.Text).RootElement;
        Assert.False(root.TryGetProperty("items", out _), answer.Text);
        Assert.Equal(batchId, root.GetProperty("batchId").GetString());
        Assert.Equal("cancelled", root.GetProperty("state").GetString());
        Assert.Equal(5, root.GetProperty("total").GetInt32());
        Assert.Equal(5, root.GetProperty("counts").GetProperty("cancelled").GetInt32());
        Assert.True(root.GetProperty("cancelRequested").GetBoolean());
        Assert.Equal(JsonValueKind.String, root.GetProperty("createdAt").ValueKind);
        Assert.Equal(JsonValueKind.String, root.GetProperty("finishedAt").ValueKind);

        // A second cancel of the finished batch answers the same summary.
        var again = HttpCalls.Request("POST", $"/api/batches/{batchId}/cancel");
        var second = await HttpCalls.ExecuteAsync(await api.Cancel.Run(again, batchId, CancellationToken.None), again);
        Assert.Equal(202, second.Status);
        Assert.Equal(answer.Text, second.Text);
    }

    [Fact]
    public async Task Item_file_answers_not_modified_when_the_etag_matches()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 1, perMessage: 1);
        await harness.StartWorkerAsync(new FlippingCompleter());
        await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));

        var first = HttpCalls.Request("GET", "/f");
        var answer = await HttpCalls.ExecuteAsync(await api.ItemFile.Run(first, batchId, "item-000", "item-000.png", CancellationToken.None), first);
        var again = HttpCalls.Request("GET", "/f", headers: new Dictionary<string, string> { ["If-None-Match"] = answer.Headers.ETag! });
        var cached = await HttpCalls.ExecuteAsync(await api.ItemFile.Run(again, batchId, "item-000", "item-000.png", CancellationToken.None), again);

        Assert.Equal(200, answer.Status);
        Assert.Equal(304, cached.Status);
        Assert.Empty(cached.Body);
    }

    [Fact]
    public async Task Gallery_shows_prompts_and_completions_in_a_real_browser()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3);
        await harness.StartWorkerAsync(new FlippingCompleter());
        await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));
        var request = HttpCalls.Request("GET", $"/api/batches/{batchId}/gallery");
        var page = await HttpCalls.ExecuteAsync(await api.Gallery.Run(request, batchId, CancellationToken.None), request);
        Assert.Equal(200, page.Status);
        Assert.StartsWith("text/html", page.ContentType);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Timeout = 120_000, // a first start on a busy machine builds chromium's caches: bound a failure, not a slow start
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        // The gallery's images load lazily (a batch may hold thousands): the load event does not wait for them, so
        // the page is tall enough to show every item and the test waits until each image has loaded or failed.
        var tab = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 4000 } });
        tab.SetDefaultTimeout(60_000);
        await tab.SetContentAsync(page.Text, new PageSetContentOptions { WaitUntil = WaitUntilState.Load });
        await tab.WaitForFunctionAsync("() => document.images.length === 6 && [...document.images].every(i => i.complete)");

        Assert.Equal($"Batch {batchId}", await tab.TitleAsync());
        Assert.Equal("finished", await tab.Locator("[data-batch-state]").InnerTextAsync());
        Assert.Equal("3", await tab.Locator("[data-count=succeeded]").InnerTextAsync());
        Assert.Equal(3, await tab.Locator("section.item").CountAsync());
        // Every image actually loaded from storage through its SAS URL: prompts 16x8, completions 16x8.
        var sizes = await tab.EvaluateAsync<int[][]>("() => [...document.images].map(i => [i.naturalWidth, i.naturalHeight, i.complete ? 1 : 0])");
        Assert.Equal(6, sizes.Length);
        Assert.All(sizes, s => Assert.Equal([16, 8, 1], s));
        Assert.Equal(3, await tab.Locator("img.completion").CountAsync());
    }

    [Fact]
    public async Task Status_pages_items_with_counts_from_the_batch_row_and_the_batch_list_is_newest_first()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Worker:Concurrency"] = "1" });
        var api = new Api(harness);
        var (older, _) = await BatchSeeder.SeedAsync(harness, items: 2, perMessage: 2);
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 5, perMessage: 2, image: i => i == 3 ? "not a png"u8.ToArray() : TestImages.Png(16, 8, (byte)i));
        await harness.StartWorkerAsync(new FlippingCompleter());
        await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));

        var ids = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var path = $"/api/batches/{batchId}?pageSize=2" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}");
            var request = HttpCalls.Request("GET", path);
            var answer = await HttpCalls.ExecuteAsync(await api.Status.Run(request, batchId, CancellationToken.None), request);
            Assert.Equal(200, answer.Status);
            var page = JsonSerializer.Deserialize<BatchStatus>(answer.Text, Web)!;
            Assert.Equal(5, page.Total);
            Assert.Equal((4, 1), (page.Counts["succeeded"], page.Counts["failed"]));
            Assert.Equal(1.0, page.Progress);
            Assert.True(page.Items.Count <= 2);
            ids.AddRange(page.Items.Select(i => i.Id));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);
        Assert.Equal(messages.SelectMany(m => m.ItemIds).Order(), ids.Order());
        Assert.True(pages >= 3, $"5 items in pages of 2 took {pages} pages");

        var failedOnly = HttpCalls.Request("GET", $"/api/batches/{batchId}?state=failed");
        var failed = JsonSerializer.Deserialize<BatchStatus>((await HttpCalls.ExecuteAsync(await api.Status.Run(failedOnly, batchId, CancellationToken.None), failedOnly)).Text, Web)!;
        Assert.Equal(["item-003"], failed.Items.Select(i => i.Id));
        var badState = HttpCalls.Request("GET", $"/api/batches/{batchId}?state=lost");
        Assert.Equal(400, (await HttpCalls.ExecuteAsync(await api.Status.Run(badState, batchId, CancellationToken.None), badState)).Status);

        var list = HttpCalls.Request("GET", "/api/batches?pageSize=100");
        var batches = JsonSerializer.Deserialize<BatchList>((await HttpCalls.ExecuteAsync(await api.List.Run(list, CancellationToken.None), list)).Text, Web)!;
        var newer = batches.Batches.Select(b => b.BatchId).ToList().IndexOf(batchId);
        var old = batches.Batches.Select(b => b.BatchId).ToList().IndexOf(older);
        Assert.True(newer >= 0 && old > newer, $"newest first: {batchId} at {newer}, {older} at {old}");
        Assert.Equal(4, batches.Batches[newer].Counts["succeeded"]);
    }

    private static async Task<BatchUploadGrant> CreateAsync(Api api, string[] files)
    {
        var request = HttpCalls.Request("POST", "/api/batches", JsonSerializer.Serialize(new { files }));
        var answer = await HttpCalls.ExecuteAsync(await api.Create.Run(request, CancellationToken.None), request);
        Assert.Equal(201, answer.Status);
        return JsonSerializer.Deserialize<BatchUploadGrant>(answer.Text, Web)!;
    }
}
