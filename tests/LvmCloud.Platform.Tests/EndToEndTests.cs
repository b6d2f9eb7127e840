using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class EndToEndTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Twenty_item_batch_through_functions_and_two_model_workers_completes_good_items_once_and_fails_bad_lines_with_reasons()
    {
        var temp = Directory.CreateTempSubdirectory("lvm-e2e-");
        try
        {
            await using var harness = await PlatformHarness.CreateAsync(azurite, new()
            {
                ["Intake:DefaultModelName"] = TinyModel.Name,
                ["Intake:DefaultModelVersion"] = TinyModel.Version,
                ["Worker:ModelCacheDirectory"] = Path.Combine(temp.FullName, "cache"),
            });
            await TinyModel.UploadAsync(harness.Clients, TinyModel.Save(Path.Combine(temp.FullName, "saved")));
            var api = new Api(harness);

            // 18 good items (even ones sized back to their input, two with a target for perplexity), one whose
            // image is not an image, one malformed line: 20 lines.
            var files = new Dictionary<string, byte[]>();
            var lines = new List<string>();
            for (var i = 0; i < 18; i++)
            {
                files[$"inputs/img{i:D2}.png"] = TestImages.Png(12 + i % 3, 10, (byte)(i * 10));
                var extra = (i % 2 == 0 ? ", \"resize_output\": \"original\"" : "") + (i is 3 or 4 ? ", \"target\": [\"img00.png\"]" : "");
                lines.Add($"{{\"id\": \"good-{i:D2}\", \"input\": [\"img{i:D2}.png\"]{extra}}}");
            }
            files["inputs/broken.png"] = Encoding.ASCII.GetBytes("this is not a PNG file at all");
            lines.Insert(5, "{\"id\": \"broken\", \"input\": [\"broken.png\"]}");
            lines.Insert(11, "{\"id\": \"malformed\", \"input\": [\"img01.png\"");
            var manifest = string.Join('\n', lines) + "\n";

            var create = HttpCalls.Request("POST", "/api/batches", JsonSerializer.Serialize(new { files = files.Keys }));
            var created = await HttpCalls.ExecuteAsync(await api.Create.Run(create, CancellationToken.None), create);
            Assert.Equal(201, created.Status);
            var grant = JsonSerializer.Deserialize<BatchUploadGrant>(created.Text, Web)!;
            foreach (var (path, bytes) in files)
                await new BlobClient(grant.Uploads[path]).UploadAsync(BinaryData.FromBytes(bytes));
            var manifestBlob = new BlobClient(grant.Uploads[StorageLayout.ManifestFileName]);
            await manifestBlob.UploadAsync(BinaryData.FromString(manifest));

            await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(grant.BatchId)), grant.BatchId, CancellationToken.None);
            var (_, statsA) = await harness.StartWorkerAsync();
            var (_, statsB) = await harness.StartWorkerAsync();
            await harness.WaitForBatchAsync(grant.BatchId, TimeSpan.FromSeconds(90));

            var statusRequest = HttpCalls.Request("GET", $"/api/batches/{grant.BatchId}");
            var status = await HttpCalls.ExecuteAsync(await api.Status.Run(statusRequest, grant.BatchId, CancellationToken.None), statusRequest);
            Assert.Equal(200, status.Status);
            Assert.StartsWith("application/json", status.ContentType);
            var batchStatus = JsonSerializer.Deserialize<BatchStatus>(status.Text, Web)!;
            Assert.Equal(BatchStates.Finished, batchStatus.State);
            Assert.Equal(20, batchStatus.Total);
            Assert.True(18 == batchStatus.Counts[ItemStates.Succeeded], string.Join("; ", batchStatus.Items.Where(i => i.Error is not null).Select(i => $"{i.Id}: {i.Error}")));
            Assert.Equal(2, batchStatus.Counts[ItemStates.Failed]);
            Assert.Equal(1.0, batchStatus.Progress);
            Assert.Contains("broken.png", batchStatus.Items.Single(i => i.Id == "broken").Error);
            Assert.Contains(batchStatus.Items, i => i.State == ItemStates.Failed && i.Id.StartsWith("line-") && i.Error is not null);

            // Each good item was claimed and run once, by one of the two workers; results.jsonl was written once.
            Assert.All(batchStatus.Items.Where(i => i.State == ItemStates.Succeeded), i => Assert.Equal(1, i.Attempts));
            Assert.Equal(18, statsA.ItemsSucceeded + statsB.ItemsSucceeded);
            Assert.Equal(1, statsA.ResultsWritten + statsB.ResultsWritten);
            Assert.True(File.Exists(Path.Combine(temp.FullName, "cache", TinyModel.Name, TinyModel.Version, "lvm.json")), "the model was downloaded into the cache");

            var resultsRequest = HttpCalls.Request("GET", $"/api/batches/{grant.BatchId}/results");
            var results = await HttpCalls.ExecuteAsync(await api.Results.Run(resultsRequest, grant.BatchId, CancellationToken.None), resultsRequest);
            Assert.Equal(200, results.Status);
            var parsed = JsonSerializer.Deserialize<BatchResults>(results.Text, Web)!;
            Assert.Equal(20, parsed.Items.Count);
            foreach (var item in parsed.Items.Where(i => i.Status == "succeeded"))
            {
                var output = Assert.Single(item.Outputs);
                Assert.Equal($"http://localhost:7071/api/batches/{grant.BatchId}/items/{item.Id}/{item.Id}.png", output.Url.AbsoluteUri);
                var fileRequest = HttpCalls.Request("GET", output.Url.AbsolutePath);
                var file = await HttpCalls.ExecuteAsync(await api.ItemFile.Run(fileRequest, grant.BatchId, item.Id, output.File, CancellationToken.None), fileRequest);
                Assert.Equal(200, file.Status);
                Assert.Equal("image/png", file.ContentType);
                Assert.False(string.IsNullOrEmpty(file.Headers.ETag));
                using var image = Image.Load(file.Body);
                var index = int.Parse(item.Id["good-".Length..]);
                var expected = index % 2 == 0 ? (12 + index % 3, 10) : (TinyModel.Resolution, TinyModel.Resolution);
                Assert.Equal(expected, (image.Width, image.Height));
                Assert.Equal(index is 3 or 4, item.Perplexity is > 0);
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Intake_fails_malformed_line_missing_and_broken_images_with_reasons_and_enqueues_the_rest()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        await Upload(harness, batchId, "inputs/a.png", TestImages.Png(8, 8, 1));
        await Upload(harness, batchId, "inputs/b.png", TestImages.Png(8, 8, 2));
        await Upload(harness, batchId, "inputs/junk.png", Encoding.ASCII.GetBytes("junk"));
        await Upload(harness, batchId, "manifest.jsonl", Encoding.UTF8.GetBytes(string.Join('\n',
            "{\"id\": \"ok1\", \"input\": [\"a.png\"]}",
            "{\"id\": \"typo\", \"inptu\": [\"a.png\"]}",
            "{\"id\": \"missing\", \"input\": [\"nope.png\"]}",
            "{\"id\": \"junk\", \"input\": [\"junk.png\"]}",
            "{\"id\": \"ok2\", \"input\": [\"a.png\", \"b.png\"]}")));

        var outcome = await harness.Get<Intake.BatchIntakeService>().IngestAsync(batchId, CancellationToken.None);

        Assert.Equal((2, 3, 1), (outcome.Accepted, outcome.Rejected, outcome.MessagesEnqueued));
        var items = (await harness.State.GetItemsAsync(batchId, CancellationToken.None)).ToDictionary(i => i.ItemId);
        Assert.Equal(ItemStates.Queued, items["ok1"].State);
        Assert.Equal(ItemStates.Queued, items["ok2"].State);
        Assert.Equal(ItemStates.Failed, items["typo"].State);
        Assert.Contains("inptu", items["typo"].Error);
        Assert.Equal(ItemStates.Failed, items["missing"].State);
        Assert.Contains("nope.png", items["missing"].Error);
        Assert.Equal("not-found", items["missing"].ErrorCode);
        Assert.Equal(ItemStates.Failed, items["junk"].State);
        Assert.Contains("junk.png", items["junk"].Error);
        var queued = await harness.Clients.Queue(harness.Clients.QueueNames.Generate).PeekMessagesAsync(10);
        var message = Queues.JobCodec.DecodePayload<Queues.GeneratePayload>(Queues.JobCodec.DecodeEnvelope(Assert.Single(queued.Value).MessageText));
        Assert.Equal(["ok1", "ok2"], message.ItemIds);
    }

    [Fact]
    public async Task Manifest_uploaded_twice_enqueues_once()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        await Upload(harness, batchId, "inputs/a.png", TestImages.Png(8, 8, 1));
        var manifest = string.Join('\n', Enumerable.Range(0, 7).Select(i => $"{{\"id\": \"i{i}\", \"input\": [\"a.png\"]}}"));
        await Upload(harness, batchId, "manifest.jsonl", Encoding.UTF8.GetBytes(manifest));
        var intake = harness.Get<Intake.BatchIntakeService>();

        var first = await intake.IngestAsync(batchId, CancellationToken.None);
        await Upload(harness, batchId, "manifest.jsonl", Encoding.UTF8.GetBytes(manifest));
        var second = await intake.IngestAsync(batchId, CancellationToken.None);

        Assert.True(first.Planned);
        Assert.Equal(3, first.MessagesEnqueued);
        Assert.False(second.Planned);
        var props = await harness.Clients.Queue(harness.Clients.QueueNames.Generate).GetPropertiesAsync();
        Assert.Equal(3, props.Value.ApproximateMessagesCount);
    }

    private static Task Upload(PlatformHarness harness, string batchId, string path, byte[] bytes) =>
        harness.Clients.Batches.GetBlobClient($"{batchId}/{path}").UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
}
