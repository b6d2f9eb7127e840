using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Results;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using SixLabors.ImageSharp.Formats.Png;

namespace LvmCloud.Platform.Tests.Hostile;

/// <summary>
/// Hostile images and manifest lines submitted as batches through intake and a real worker host running the tiny
/// model: every bad line and image fails alone with its specific reason (in the status and in results.jsonl), the
/// good lines succeed, and no message is retried or poisoned.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostileBatchTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The images of the batch and the outcome each one's item must have (null: succeeds).</summary>
    private static Dictionary<string, (byte[] Bytes, string? Reason)> Images()
    {
        var cmyk = HostileImages.CmykJpeg(50, 150, 200, 30);
        Assert.Equal(4, HostileImages.JpegComponents(cmyk)); // really CMYK
        var deep = HostileImages.Png(20, 12, PngBitDepth.Bit16);
        Assert.Equal(16, deep[24]); // IHDR bit depth
        return new()
        {
            ["ok.png"] = (TestImages.Png(12, 10, 1), null),
            ["cmyk.jpg"] = (cmyk, null),
            ["deep.png"] = (deep, null),
            ["exif-large.jpg"] = (HostileImages.JpegWithLargeExif(20, 12, 60_000), null),
            ["exif-lying.jpg"] = (HostileImages.JpegWithLyingExif(20, 12, segments: 100), null),
            ["huge-header.png"] = (HostileImages.PngDeclaring(100_000, 100_000), ImageRejectReason.TooLargeDimensions),
            ["animated.gif"] = (HostileImages.AnimatedGif(5000), ImageRejectReason.TooManyFrames),
            ["empty.png"] = ([], ImageRejectReason.Empty),
            ["truncated.png"] = (HostileImages.Truncated(HostileImages.Png(32, 32)), ImageRejectReason.Truncated),
            ["truncated.jpg"] = (HostileImages.Truncated(HostileImages.Jpeg(32, 32)), ImageRejectReason.Truncated),
            ["text.png"] = (HostileImages.Text("hello, I am a text file named .png\n"), ImageRejectReason.UnknownFormat),
            ["exif-oversize.jpg"] = (HostileImages.JpegWithLyingExif(20, 12, segments: 330), ImageRejectReason.TooLargeBytes),
        };
    }

    /// <summary>Manifest lines that fail on their own: (id reported, line, reason).</summary>
    private static List<(string? Id, string Line, string Reason)> BadLines() =>
    [
        ("abs", """{"id": "abs", "input": ["/etc/passwd"]}""", "path-absolute"),
        ("dotdot", """{"id": "dotdot", "input": ["../../other/inputs/ok.png"]}""", "path-traversal"),
        ("url", """{"id": "url", "input": ["https://example.com/ok.png"]}""", "path-url"),
        ("file-url", """{"id": "file-url", "input": ["file:///etc/passwd"]}""", "path-url"),
        ("backslash", """{"id": "backslash", "input": ["..\\ok.png"]}""", "path-backslash"),
        ("control", """{"id": "control", "input": ["ok\u0007.png"]}""", "path-character"),
        (null, "{\"id\": \"raw-control\", \"input\": [\"ok\u0001.png\"]}", ManifestErrorReason.BadJson),
        ("long-name", $$"""{"id": "long-name", "input": ["{{new string('a', 600)}}.png"]}""", "path-too-long"),
        (null, $$"""{"id": "{{new string('x', 100)}}", "input": ["ok.png"]}""", ManifestErrorReason.BadId),
        (null, """{"id": "ok", "input": ["ok.png"]}""", ManifestErrorReason.DuplicateId),
        ("unknown", """{"id": "unknown", "input": ["ok.png"], "colour": "blue"}""", ManifestErrorReason.UnknownField),
        ("wrong-type", """{"id": "wrong-type", "input": "ok.png"}""", ManifestErrorReason.WrongType),
        ("wrong-number", """{"id": "wrong-number", "input": ["ok.png"], "n_candidates": "2"}""", ManifestErrorReason.WrongType),
        ("candidates", """{"id": "candidates", "input": ["ok.png"], "n_candidates": 5000}""", ManifestErrorReason.TooManyCandidates),
        ("frames", $$"""{"id": "frames", "input": [{{string.Join(", ", Enumerable.Repeat("\"ok.png\"", 5000))}}]}""", ManifestErrorReason.TooManyFrames),
        (null, $$"""{"id": "too-long", "input": ["ok.png"], "pad": "{{new string(' ', 70_000)}}"}""", ManifestErrorReason.LineTooLong),
        (null, "[1, 2, 3]", ManifestErrorReason.NotAnObject),
    ];

    [Fact]
    public async Task Hostile_images_and_manifest_lines_fail_alone_with_their_reasons_through_intake_and_worker_and_good_lines_succeed()
    {
        var temp = Directory.CreateTempSubdirectory("lvm-hostile-");
        try
        {
            await using var harness = await CreateHarnessAsync(temp.FullName);
            var api = new Api(harness);
            var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
            var images = Images();
            foreach (var (name, (bytes, _)) in images)
                await Upload(harness, batchId, $"inputs/{name}", bytes);

            // One line per image (its id is the image's name without extension), then the bad lines; line numbers are 1-based.
            var lines = images.Keys.Select(name => $$"""{"id": "{{Stem(name)}}", "input": ["{{name}}"]}""").ToList();
            var expected = images.ToDictionary(kv => Stem(kv.Key), kv => kv.Value.Reason);
            foreach (var (id, line, reason) in BadLines())
            {
                lines.Add(line);
                expected[id ?? $"line-{lines.Count:D5}"] = reason;
            }
            await Upload(harness, batchId, StorageLayout.ManifestFileName, Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

            await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)), batchId, CancellationToken.None);
            var (_, stats) = await harness.StartWorkerAsync();
            await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(120));

            var status = await StatusAsync(api, batchId);
            Assert.Equal(BatchStates.Finished, status.State);
            Assert.Equal(expected.Count, status.Total);
            var byId = status.Items.ToDictionary(i => i.Id);
            Assert.Equal(expected.Keys.Order(), byId.Keys.Order());
            foreach (var (id, reason) in expected)
            {
                var item = byId[id];
                if (reason is null)
                {
                    Assert.True(ItemStates.Succeeded == item.State, $"{id}: {item.State} {item.ErrorCode} {item.Error}");
                    Assert.Equal(1, item.Attempts);
                }
                else
                {
                    Assert.True(ItemStates.Failed == item.State, $"{id} should have failed with {reason}: {item.State}");
                    Assert.True(reason == item.ErrorCode, $"{id}: expected {reason}, got {item.ErrorCode}: {item.Error}");
                    Assert.False(string.IsNullOrWhiteSpace(item.Error));
                }
            }
            // Image errors name the image; the duplicate id names the first line.
            foreach (var (name, (_, reason)) in images.Where(kv => kv.Value.Reason is not null))
                Assert.Contains(name, byId[Stem(name)].Error);
            Assert.Contains("line 1", byId[expected.Single(kv => kv.Value == ManifestErrorReason.DuplicateId).Key].Error);

            // results.jsonl says the same, line for line, in manifest order.
            var results = ResultsJsonl.Read((await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync()).Value.Content.ToString());
            Assert.Equal(expected.Count, results.Count);
            foreach (var record in results)
            {
                var reason = expected[record.Id];
                Assert.Equal(reason is null ? ResultStatus.Succeeded : ResultStatus.Failed, record.Status);
                Assert.Equal(reason, record.ErrorCode);
                if (reason is null)
                    Assert.NotEmpty(record.Outputs);
            }

            // The worker ran every good item once: nothing retried, poisoned or crashed.
            Assert.Equal(expected.Count(kv => kv.Value is null), stats.ItemsSucceeded);
            Assert.Equal(0, stats.MessagesRetried);
            Assert.Equal(0, stats.MessagesPoisoned);
            Assert.Equal(0, (await harness.Clients.Queue(harness.Clients.QueueNames.GeneratePoison).GetPropertiesAsync()).Value.ApproximateMessagesCount);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Images_swapped_for_hostile_ones_after_intake_fail_in_the_worker_with_their_reasons_and_the_rest_succeed()
    {
        var temp = Directory.CreateTempSubdirectory("lvm-hostile-");
        try
        {
            await using var harness = await CreateHarnessAsync(temp.FullName);
            var api = new Api(harness);
            var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
            var hostile = Images().Where(kv => kv.Value.Reason is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
            var names = hostile.Keys.Append("good.png").ToList();
            foreach (var name in names)
                await Upload(harness, batchId, $"inputs/{name}", TestImages.Png(12, 10, 3));
            await Upload(harness, batchId, StorageLayout.ManifestFileName, Encoding.UTF8.GetBytes(string.Join('\n',
                names.Select(name => $$"""{"id": "{{Stem(name)}}", "input": ["{{name}}"]}"""))));
            await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)), batchId, CancellationToken.None);
            Assert.Equal(names.Count, (await harness.State.GetBatchAsync(batchId, CancellationToken.None))!.ItemsQueued);

            // Intake accepted them all; the files change before the worker reads them.
            foreach (var (name, (bytes, _)) in hostile)
                await Upload(harness, batchId, $"inputs/{name}", bytes);
            var (_, stats) = await harness.StartWorkerAsync();
            await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));

            var byId = (await StatusAsync(api, batchId)).Items.ToDictionary(i => i.Id);
            Assert.Equal(ItemStates.Succeeded, byId["good"].State);
            foreach (var (name, (_, reason)) in hostile)
            {
                var item = byId[Stem(name)];
                Assert.True(reason == item.ErrorCode, $"{name}: expected {reason}, got {item.State} {item.ErrorCode}: {item.Error}");
                Assert.Contains(name, item.Error);
            }
            Assert.Equal(0, stats.MessagesRetried);
            Assert.Equal(0, stats.MessagesPoisoned);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Manifest_of_1_GB_is_refused_by_its_declared_length_without_being_downloaded()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var api = new Api(harness);
        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        // A page blob declares its length without a byte being written: 1 GiB of nothing, in Azurite and in Azure.
        var manifest = harness.Clients.Batches.GetPageBlobClient(StorageLayout.ManifestPath(batchId));
        await manifest.CreateAsync(1L << 30);
        Assert.Equal(1L << 30, (await manifest.GetPropertiesAsync()).Value.ContentLength);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)), batchId, CancellationToken.None);
        await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"intake took {clock.Elapsed}: it read the manifest");

        var status = await StatusAsync(api, batchId);
        Assert.Equal(BatchStates.Finished, status.State);
        var item = Assert.Single(status.Items);
        Assert.Equal((BatchManifestParser.WholeManifestId, ItemStates.Failed, ManifestErrorReason.ManifestTooLarge), (item.Id, item.State, item.ErrorCode));
        Assert.Contains($"{1L << 30} bytes", item.Error);
        Assert.Contains($"{ManifestLimits.Default.MaxManifestBytes}", item.Error);
        var record = Assert.Single(ResultsJsonl.Read((await harness.Clients.Results.GetBlobClient(StorageLayout.ResultsManifestPath(batchId)).DownloadContentAsync()).Value.Content.ToString()));
        Assert.Equal((BatchManifestParser.WholeManifestId, ManifestErrorReason.ManifestTooLarge), (record.Id, record.ErrorCode));
        Assert.Equal(0, (await harness.Clients.Queue(harness.Clients.QueueNames.Generate).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Model_whose_checkpoint_lies_fails_the_items_on_the_first_delivery_naming_the_file()
    {
        var temp = Directory.CreateTempSubdirectory("lvm-hostile-");
        try
        {
            await using var harness = await PlatformHarness.CreateAsync(azurite, new()
            {
                ["Intake:DefaultModelName"] = TinyModel.Name,
                ["Intake:DefaultModelVersion"] = TinyModel.Version,
                ["Worker:ModelCacheDirectory"] = Path.Combine(temp.FullName, "cache"),
                ["Worker:VisibilityTimeout"] = "00:00:30",
            });
            var folder = TinyModel.Save(Path.Combine(temp.FullName, "saved"));
            // The transformer's weights declare a 1,000,000 x 1,000,000 tensor in 16 bytes.
            var weights = Assert.Single(Directory.GetFiles(Path.Combine(folder, "transformer"), "*.safetensors"));
            var header = Encoding.UTF8.GetBytes("""{"model.embed_tokens.weight": {"dtype": "F32", "shape": [1000000, 1000000], "data_offsets": [0, 16]}}""");
            File.WriteAllBytes(weights, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[16]]);
            await TinyModel.UploadAsync(harness.Clients, folder);
            var api = new Api(harness);
            var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
            await Upload(harness, batchId, "inputs/a.png", TestImages.Png(12, 10, 1));
            await Upload(harness, batchId, StorageLayout.ManifestFileName, Encoding.UTF8.GetBytes(string.Join('\n',
                Enumerable.Range(0, 4).Select(i => $$"""{"id": "i{{i}}", "input": ["a.png"]}"""))));

            await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(batchId)), batchId, CancellationToken.None);
            var (_, stats) = await harness.StartWorkerAsync();
            await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(60));

            var status = await StatusAsync(api, batchId);
            Assert.Equal(4, status.Counts[ItemStates.Failed]);
            Assert.All(status.Items, item =>
            {
                Assert.Contains($"'{Path.GetFileName(weights)}' is not a valid safetensors file", item.Error);
                Assert.Contains("needs 4000000000000 bytes", item.Error);
                Assert.Equal(1, item.Attempts);
            });
            Assert.Equal(0, stats.MessagesRetried);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Lvm_submit_refuses_a_1_GB_manifest_by_its_length_before_contacting_the_platform()
    {
        var temp = Directory.CreateTempSubdirectory("lvm-hostile-");
        try
        {
            Directory.CreateDirectory(Path.Combine(temp.FullName, "inputs"));
            var manifest = Path.Combine(temp.FullName, "manifest.jsonl");
            using (var file = File.Create(manifest))
                file.SetLength(1L << 30); // sparse: 1 GiB declared, nothing written

            // The endpoint is never called: nothing listens there.
            var (exit, console) = await CliRunner.RunAsync("batches", "submit", manifest, "--endpoint", "http://127.0.0.1:9", "--key", "k");

            Assert.Equal(2, exit);
            Assert.Contains(console.Stderr, line => line.Contains($"{1L << 30} bytes, more than the limit of {ManifestLimits.Default.MaxManifestBytes} bytes"));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private async Task<PlatformHarness> CreateHarnessAsync(string temp)
    {
        var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Intake:DefaultModelName"] = TinyModel.Name,
            ["Intake:DefaultModelVersion"] = TinyModel.Version,
            ["Worker:ModelCacheDirectory"] = Path.Combine(temp, "cache"),
            ["Worker:VisibilityTimeout"] = "00:00:30",
        });
        await TinyModel.UploadAsync(harness.Clients, TinyModel.Save(Path.Combine(temp, "saved")));
        return harness;
    }

    private static async Task<BatchStatus> StatusAsync(Api api, string batchId)
    {
        var request = HttpCalls.Request("GET", $"/api/batches/{batchId}?pageSize=1000");
        var answer = await HttpCalls.ExecuteAsync(await api.Status.Run(request, batchId, CancellationToken.None), request);
        Assert.Equal(200, answer.Status);
        return JsonSerializer.Deserialize<BatchStatus>(answer.Text, Web)!;
    }

    private static string Stem(string name) => Path.GetFileNameWithoutExtension(name) + (name.EndsWith(".jpg") ? "-jpg" : name.EndsWith(".gif") ? "-gif" : "");

    private static Task Upload(PlatformHarness harness, string batchId, string path, byte[] bytes) =>
        harness.Clients.Batches.GetBlobClient($"{batchId}/{path}").UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
}
