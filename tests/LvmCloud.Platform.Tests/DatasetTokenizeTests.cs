using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Datasets;
using LvmCloud.Vision.Tokenizer;
using Microsoft.Azure.Functions.Worker;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// Scheduled retokenization end to end on Azurite: the timer, upload and API triggers plan through the function
/// classes, real worker hosts run <c>tokenize</c> jobs with the tiny VQGAN, and the shards are compared with what the
/// library <c>lvm tokenize-dataset</c> uses writes in-process for the same images. Chunks of 4 lines keep datasets small.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DatasetTokenizeTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int ChunkSize = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-tokenize-");
    private readonly List<DatasetSeeder> _datasets = [];
    private PlatformHarness _harness = null!;

    private string Models => Path.Combine(_temp.FullName, "models");

    public async Task InitializeAsync()
    {
        TinyModel.Save(Models);
        _harness = await CreateHarnessAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var dataset in _datasets)
            await dataset.DeleteAsync();
        await _harness.DisposeAsync();
        _temp.Delete(recursive: true);
    }

    [Fact]
    public async Task Timer_tokenizes_only_new_or_changed_chunks_and_a_run_with_no_change_enqueues_nothing()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(8);
        await dataset.UploadAsync();
        var (_, stats) = await _harness.StartWorkerAsync();
        var tokenizerId = await TokenizerIdAsync();
        var tokens = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, tokenizerId));

        var first = await TimerRunAsync(api, dataset.Name, null);
        Assert.Equal((2, TokenizePlanner.TimerTrigger), (first.ChunksTotal, first.Trigger));
        var watermark = await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, first.RunId, Timeout);
        Assert.Equal(TokenizeStates.OutcomeSucceeded, watermark.LastRunOutcome);
        Assert.Equal((2, 8L), (watermark.Shards, watermark.Sentences));
        var shard0 = await tokens.GetInfoAsync("shard-00000.jsonl");
        var shard1 = await tokens.GetInfoAsync("shard-00001.jsonl");
        Assert.NotNull(shard0);

        // Four new sentences make a third chunk: only it is tokenized.
        dataset.AddSentences(4);
        await dataset.UploadAsync(Enumerable.Range(8, 4).SelectMany(n => new[] { $"s{n:D4}/00.png", $"s{n:D4}/01.png" }));
        var second = await TimerRunAsync(api, dataset.Name, first.RunId);
        Assert.Equal(1, second.ChunksTotal);
        watermark = await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, second.RunId, Timeout);
        Assert.Equal((3, 12L), (watermark.Shards, watermark.Sentences));
        Assert.Equal(shard0!.Version, (await tokens.GetInfoAsync("shard-00000.jsonl"))!.Version);
        Assert.Equal(shard1!.Version, (await tokens.GetInfoAsync("shard-00001.jsonl"))!.Version);
        var entry = await ReadEntryAsync(tokens, 2);
        Assert.Equal(["s0008", "s0009", "s0010", "s0011"], entry.SentenceIds);
        Assert.Equal(second.RunId, entry.RunId);

        // Nothing changed anywhere: the scheduled run enqueues nothing.
        var outcomes = await _harness.Get<TokenizeScheduler>().RunAsync(CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(0, o.ChunksQueued));
        Assert.Equal(TokenizePlanOutcome.UpToDate, outcomes.Single(o => o.Dataset == dataset.Name).Status);
        Assert.Empty((await _harness.Clients.Queue(_harness.Clients.QueueNames.Tokenize).PeekMessagesAsync(32)).Value);

        // A replaced image redoes its chunk alone.
        dataset.WriteImage("s0005/01.png", TestImages.Png(16, 16, 3));
        await _harness.Clients.Datasets.GetBlobClient($"{dataset.Name}/s0005/01.png").UploadAsync(Path.Combine(dataset.Folder, "s0005", "01.png"), overwrite: true);
        var third = await TimerRunAsync(api, dataset.Name, second.RunId);
        Assert.Equal(1, third.ChunksTotal);
        await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, third.RunId, Timeout);
        Assert.Equal(third.RunId, (await ReadEntryAsync(tokens, 1)).RunId);
        Assert.Equal(second.RunId, (await ReadEntryAsync(tokens, 2)).RunId);
        Assert.Equal(shard0.Version, (await tokens.GetInfoAsync("shard-00000.jsonl"))!.Version);
        Assert.Equal(4, stats.ShardsWritten);
        Assert.Equal(3, stats.TokenizeRunsClosed);
    }

    [Fact]
    public async Task Force_and_a_new_default_tokenizer_version_redo_every_chunk_into_the_right_folder()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(8);
        await dataset.UploadAsync();
        await _harness.StartWorkerAsync();
        var v1 = await TokenizerIdAsync();
        var folderV1 = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, v1));

        var planned = await RequestAsync(api, dataset.Name, "{}");
        await _harness.WaitForTokenizeRunAsync(dataset.Name, v1, planned.RunId!, Timeout);
        var before = await folderV1.ReadAllBytesAsync("shard-00001.bin");
        var versionBefore = (await folderV1.GetInfoAsync("shard-00001.bin"))!.Version;
        Assert.Equal(TokenizePlanOutcome.UpToDate, (await RequestAsync(api, dataset.Name, "{}")).Status);

        var forced = await RequestAsync(api, dataset.Name, "{\"force\": true}");
        Assert.Equal((TokenizePlanOutcome.Planned, 2), (forced.Status, forced.ChunksQueued));
        var watermark = await _harness.WaitForTokenizeRunAsync(dataset.Name, v1, forced.RunId!, Timeout);
        Assert.Equal(TokenizeStates.OutcomeSucceeded, watermark.LastRunOutcome);
        Assert.NotEqual(versionBefore, (await folderV1.GetInfoAsync("shard-00001.bin"))!.Version);
        Assert.Equal(before, await folderV1.ReadAllBytesAsync("shard-00001.bin")); // rewritten, same bytes

        // A new default version: the next scheduled run redoes every chunk into the new tokenizer's folder.
        TinyModel.Save(Models, seed: 1, version: "2");
        await using var upgraded = await CreateHarnessAsync(new() { ["Tokenize:DefaultTokenizerVersion"] = "2" });
        await upgraded.StartWorkerAsync();
        var v2 = await upgraded.Get<TokenizerIdentity>().ResolveAsync(new ModelReference(TinyModel.Name, "2"), CancellationToken.None);
        Assert.NotEqual(v1, v2);
        Assert.StartsWith("tiny-2-", v2);
        var outcome = (await upgraded.Get<TokenizeScheduler>().RunAsync(CancellationToken.None)).Single(o => o.Dataset == dataset.Name);
        Assert.Equal((v2, TokenizePlanOutcome.Planned, 2), (outcome.TokenizerId, outcome.Status, outcome.ChunksQueued));
        await upgraded.WaitForTokenizeRunAsync(dataset.Name, v2, outcome.RunId!, Timeout);
        var folderV2 = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, v2));
        Assert.Equal(2, (await ReadIndexAsync(folderV2)).Shards.Count);
        Assert.Equal(before, await folderV1.ReadAllBytesAsync("shard-00001.bin")); // the old folder stays as it was
        Assert.Equal(v2, (await ReadEntryAsync(folderV2, 1)).TokenizerId);

        // A request naming that tokenizer finds it current; the dataset lists both tokenizers.
        Assert.Equal(TokenizePlanOutcome.UpToDate, (await RequestAsync(api, dataset.Name, "{\"tokenizer\": \"tiny/2\"}")).Status);
        var status = await GetStatusAsync(api, dataset.Name);
        Assert.Equal(new[] { v1, v2 }.Order(), status.Tokenizers.Select(t => t.TokenizerId).Order());
    }

    [Fact]
    public async Task Platform_shards_decode_to_the_codes_of_in_process_tokenization_and_read_back()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(10, images: 3);
        await dataset.UploadAsync();
        await _harness.StartWorkerAsync();
        var tokenizerId = await TokenizerIdAsync();
        var tokens = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, tokenizerId));

        var planned = await RequestAsync(api, dataset.Name, "{}");
        Assert.Equal(3, planned.ChunksQueued);
        await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, planned.RunId!, Timeout);

        using var tokenizer = VqganTokenizer.Load(Path.Combine(Models, TinyModel.Name, TinyModel.Version, "tokenizer"), maxBatchSize: 256);
        var local = await SentenceDataset.OpenAsync(new FolderStore(dataset.Folder));
        var outStore = new FolderStore(Path.Combine(_temp.FullName, "in-process"));
        var index = await ReadIndexAsync(tokens);
        Assert.Equal(3, index.Shards.Count);
        for (var k = 0; k < 3; k++)
        {
            var shard = await new DatasetTokenizer(tokenizer).TokenizeAsync(local, local.Chunk(k, ChunkSize), outStore);
            Assert.Equal(await outStore.ReadAllBytesAsync(shard.BinaryPath), await tokens.ReadAllBytesAsync(shard.BinaryPath));
            Assert.Equal(await outStore.ReadAllBytesAsync(shard.JsonlPath), await tokens.ReadAllBytesAsync(shard.JsonlPath));
            var fromJsonl = await TokenShardFiles.ReadAsync(tokens, shard.JsonlPath);
            var fromBin = await TokenShardFiles.ReadAsync(tokens, shard.BinaryPath);
            var expected = TokenShardReader.Read(Path.Combine(outStore.Root, shard.BinaryPath));
            Assert.Equal(expected.Count, fromJsonl.Count);
            for (var row = 0; row < expected.Count; row++)
            {
                Assert.Equal(expected[row].ToArray(), fromJsonl[row].ToArray());
                Assert.Equal(expected[row].ToArray(), fromBin[row].ToArray());
                Assert.Equal(3 * 64, fromBin[row].Length);
            }
            var entry = await ReadEntryAsync(tokens, k);
            Assert.Equal(shard.SentenceIds, entry.SentenceIds);
            Assert.Equal(shard.Tokens, entry.Tokens);
            Assert.Equal(index.Shards[k].Sentences, entry.Sentences);
            Assert.All(entry.SentenceIds.SelectMany(id => new[] { $"{id}/00.png", $"{id}/01.png", $"{id}/02.png" }),
                path => Assert.Equal(SourceVersions.Normalize((_harness.Clients.Datasets.GetBlobClient($"{dataset.Name}/{path}").GetProperties()).Value.ETag.ToString()), entry.SourceETags[path]));
        }
    }

    [Fact]
    public async Task Broken_image_and_bad_lines_are_reported_with_reasons_and_the_rest_of_the_chunk_completes()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(3);                                                     // lines 1-3
        dataset.WriteImage("broken/00.png", System.Text.Encoding.ASCII.GetBytes("this is not a PNG file at all"));
        dataset.AddLine("{\"id\": \"broken\", \"images\": [\"broken/00.png\"]}");    // line 4: not an image
        dataset.AddLine("{\"id\": \"gone\", \"images\": [\"nowhere/00.png\"]}");     // line 5: missing image
        dataset.AddLine("{\"id\": \"cut\", \"images\": [\"s0000/00.png\"");           // line 6: not valid JSON
        dataset.AddLine("{\"id\": \"escape\", \"images\": [\"../secret.png\"]}");    // line 7: outside the dataset
        dataset.AddLine("{\"id\": \"s0001\", \"images\": [\"s0000/00.png\"]}");      // line 8: id of line 2, an earlier chunk
        dataset.AddSentences(1);                                                     // line 9
        await dataset.UploadAsync();
        await _harness.StartWorkerAsync();
        var tokenizerId = await TokenizerIdAsync();
        var tokens = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, tokenizerId));

        var planned = await RequestAsync(api, dataset.Name, "{}");
        Assert.Equal(3, planned.ChunksQueued);
        var watermark = await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, planned.RunId!, Timeout);

        Assert.Equal(TokenizeStates.OutcomeSucceeded, watermark.LastRunOutcome);
        Assert.Equal((4L, 5L), (watermark.Sentences, watermark.Skipped));
        var chunk0 = await ReadEntryAsync(tokens, 0);
        var chunk1 = await ReadEntryAsync(tokens, 1);
        Assert.Equal(["s0000", "s0001", "s0002"], chunk0.SentenceIds);
        Assert.Equal([(4, "broken", ImageRejectReason.UnknownFormat)], chunk0.Skipped.Select(s => (s.LineNumber, s.SentenceId, s.Reason)));
        Assert.Empty(chunk1.SentenceIds);
        Assert.Equal(
            [(5, "gone", ImageRejectReason.NotFound), (6, "line-00006", "bad-json"), (7, "line-00007", "path-traversal"), (8, "line-00008", "duplicate-id")],
            chunk1.Skipped.Select(s => (s.LineNumber, s.SentenceId, s.Reason)));
        Assert.Equal(["s0008"], (await ReadEntryAsync(tokens, 2)).SentenceIds);
        Assert.Equal(SourceVersions.Missing, chunk1.SourceETags["nowhere/00.png"]);

        var status = await GetStatusAsync(api, dataset.Name);
        var tokenizer = Assert.Single(status.Tokenizers);
        Assert.Equal(5, tokenizer.SkippedSentences.Count);
        Assert.All(tokenizer.SkippedSentences, s => Assert.False(string.IsNullOrWhiteSpace(s.Message)));
        Assert.Contains(tokenizer.SkippedSentences, s => s.Reason == "path-traversal" && s.Message.Contains("line 7"));
        Assert.Equal((3, 4L, 5L), (tokenizer.Shards, tokenizer.Sentences, tokenizer.Skipped));
        Assert.Equal(TokenizeStates.OutcomeSucceeded, tokenizer.LastRun!.Outcome);
        Assert.Null(tokenizer.ActiveRun);
    }

    [Fact]
    public async Task Sentences_jsonl_of_1_GB_is_refused_by_its_declared_length_unread_and_nothing_is_queued()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(2);
        await dataset.UploadAsync();
        // A page blob declares 1 GiB without a byte being written.
        await _harness.Clients.Datasets.GetPageBlobClient(StorageLayout.SentencesPath(dataset.Name)).CreateAsync(1L << 30);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await RequestAsync(api, dataset.Name, "{}");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"planning took {clock.Elapsed}: it read sentences.jsonl");
        Assert.Equal((TokenizePlanOutcome.Refused, 0, null), (outcome.Status, outcome.ChunksQueued, outcome.RunId));
        Assert.Contains($"{1L << 30} bytes", outcome.Message);
        Assert.Contains("not read", outcome.Message);
        Assert.Equal(0, (await _harness.Clients.Queue(_harness.Clients.QueueNames.Tokenize).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Racing_triggers_plan_once_and_enqueue_each_chunk_once()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(12);
        await dataset.UploadAsync();
        var tokenizerId = await TokenizerIdAsync();

        // Three API calls, two deliveries of the upload trigger and the timer, all at once, before any worker runs.
        var gate = new TaskCompletionSource();
        var racers = new List<Task<TokenizePlanOutcome?>>();
        for (var i = 0; i < 3; i++)
            racers.Add(Race(async () => await RequestAsync(api, dataset.Name, "{}")));
        for (var i = 0; i < 2; i++)
            racers.Add(Race(async () =>
            {
                await api.SentencesUploaded.Run(dataset.SentencesBlob, dataset.Name, CancellationToken.None);
                return null;
            }));
        racers.Add(Race(async () => (await _harness.Get<TokenizeScheduler>().RunAsync(CancellationToken.None)).SingleOrDefault(o => o.Dataset == dataset.Name)));
        gate.SetResult();
        var outcomes = (await Task.WhenAll(racers)).OfType<TokenizePlanOutcome>().ToList();

        var watermark = await _harness.Get<TokenizeStateStore>().GetWatermarkAsync(TokenizePartition.For(dataset.Name, tokenizerId), CancellationToken.None);
        Assert.Equal(1, watermark!.Generation);
        Assert.True(outcomes.Count(o => o.Status == TokenizePlanOutcome.Planned) <= 1);
        Assert.All(outcomes, o => Assert.Contains(o.Status, new[] { TokenizePlanOutcome.Planned, TokenizePlanOutcome.AlreadyPlanned, TokenizePlanOutcome.InProgress }));
        Assert.All(outcomes, o => Assert.Equal(watermark.ActiveRunId, o.RunId));
        var messages = (await _harness.Clients.Queue(_harness.Clients.QueueNames.Tokenize).PeekMessagesAsync(32)).Value
            .Select(m => JobCodec.DecodePayload<TokenizePayload>(JobCodec.DecodeEnvelope(m.MessageText)))
            .Where(p => p.Dataset == dataset.Name)
            .ToList();
        Assert.Equal([0, 1, 2], messages.Select(m => m.Chunk).Order());

        var (_, stats) = await _harness.StartWorkerAsync();
        var closed = await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, watermark.ActiveRunId!, Timeout);
        Assert.Equal((3, 12L, TokenizeStates.OutcomeSucceeded), (closed.Shards, closed.Sentences, closed.LastRunOutcome));
        Assert.Equal(1, stats.TokenizeRunsClosed);
        Assert.Equal(3, stats.ShardsWritten);

        async Task<TokenizePlanOutcome?> Race(Func<Task<TokenizePlanOutcome?>> plan)
        {
            await gate.Task;
            return await Task.Run(plan);
        }
    }

    [Fact]
    public async Task Redelivered_job_rewrites_identical_bytes_and_a_delivery_after_the_chunk_is_recorded_does_nothing()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(4);
        await dataset.UploadAsync();
        var tokenizerId = await TokenizerIdAsync();
        var tokens = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, tokenizerId));
        var planned = await RequestAsync(api, dataset.Name, "{}");
        var queue = _harness.Clients.Queue(_harness.Clients.QueueNames.Tokenize);
        var message = (await queue.PeekMessagesAsync(32)).Value.Single(m => m.MessageText.Contains(dataset.Name, StringComparison.Ordinal)).MessageText;

        // The first attempt writes the shard and its index entry, but the entry's reply is lost: the job fails and is
        // delivered again, and the second attempt writes the same files again.
        var fault = new FaultInjectionPolicy(FaultInjectionPolicy.PutOf("shard-00000.index.json"), faults: 1, afterSend: true);
        var shardWrites = new FaultInjectionPolicy(FaultInjectionPolicy.PutOf("shard-00000.jsonl"), faults: 0, afterSend: false);
        var (_, stats) = await _harness.StartWorkerAsync(configureClients: o =>
        {
            fault.Configure(o);
            shardWrites.Configure(o);
        });
        var watermark = await _harness.WaitForTokenizeRunAsync(dataset.Name, tokenizerId, planned.RunId!, Timeout);
        Assert.Equal(1, fault.Injected);
        Assert.Equal(2, shardWrites.Matched);
        Assert.Equal(1, stats.MessagesRetried);
        Assert.Equal((1, 4L, TokenizeStates.OutcomeSucceeded), (watermark.Shards, watermark.Sentences, watermark.LastRunOutcome));

        using var tokenizer = VqganTokenizer.Load(Path.Combine(Models, TinyModel.Name, TinyModel.Version, "tokenizer"), maxBatchSize: 256);
        var local = await SentenceDataset.OpenAsync(new FolderStore(dataset.Folder));
        var outStore = new FolderStore(Path.Combine(_temp.FullName, "in-process"));
        var shard = await new DatasetTokenizer(tokenizer).TokenizeAsync(local, local.Chunk(0, ChunkSize), outStore);
        Assert.Equal(await outStore.ReadAllBytesAsync(shard.JsonlPath), await tokens.ReadAllBytesAsync(shard.JsonlPath));
        var entryVersion = (await tokens.GetInfoAsync("shard-00000.index.json"))!.Version;

        // The same message once more, after the chunk was recorded and the run closed: nothing is written.
        await queue.SendMessageAsync(message);
        var deadline = DateTime.UtcNow + Timeout;
        while (stats.ItemsSkipped == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(1, stats.ItemsSkipped);
        Assert.Equal(2, shardWrites.Matched);
        Assert.Equal(entryVersion, (await tokens.GetInfoAsync("shard-00000.index.json"))!.Version);
        Assert.Equal(1, stats.TokenizeRunsClosed);
        var run = await _harness.Get<TokenizeStateStore>().GetRunAsync(TokenizePartition.For(dataset.Name, tokenizerId), planned.RunId!, CancellationToken.None);
        Assert.Equal((1, 1, 0), (run!.ChunksTotal, run.ChunksSucceeded, run.ChunksFailed));
    }

    [Fact]
    public async Task Tokenizer_files_changed_after_planning_never_write_into_the_planned_folder()
    {
        var api = new Api(_harness);
        var dataset = Seed();
        dataset.AddSentences(4);
        await dataset.UploadAsync();
        var planned = await RequestAsync(api, dataset.Name, "{}");

        // The same name and version, other weights, before any worker ran the job.
        TinyModel.Save(Models, seed: 5);
        var (_, stats) = await _harness.StartWorkerAsync();
        var watermark = await _harness.WaitForTokenizeRunAsync(dataset.Name, planned.TokenizerId, planned.RunId!, Timeout);
        Assert.Equal(TokenizeStates.OutcomeFailed, watermark.LastRunOutcome);
        Assert.Equal((1, 0), (stats.MessagesFailed, stats.MessagesPoisoned)); // failed for good: recorded on the chunk, deleted
        var planFolder = new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, planned.TokenizerId));
        Assert.Null(await planFolder.GetInfoAsync("shard-00000.jsonl"));
        var status = Assert.Single((await GetStatusAsync(api, dataset.Name)).Tokenizers);
        Assert.Contains("files changed after it was planned", Assert.Single(status.FailedChunks).Error);

        // The next plan names the tokenizer by its new files, and writes there.
        var replanned = await RequestAsync(api, dataset.Name, "{}");
        Assert.NotEqual(planned.TokenizerId, replanned.TokenizerId);
        await _harness.WaitForTokenizeRunAsync(dataset.Name, replanned.TokenizerId, replanned.RunId!, Timeout);
        Assert.NotNull(await new BlobStore(_harness.Clients.Tokens, StorageLayout.TokensPrefix(dataset.Name, replanned.TokenizerId)).GetInfoAsync("shard-00000.jsonl"));
    }

    [Fact]
    public async Task Status_and_plan_answer_404_for_unknown_datasets_and_400_for_bad_names_and_tokenizers()
    {
        var api = new Api(_harness);
        var missing = "ds-missing-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(404, (await CallAsync(api.GetDataset.Run, "GET", $"/api/datasets/{missing}", missing)).Status);
        Assert.Equal(404, (await CallAsync(api.RequestTokenize.Run, "POST", $"/api/datasets/{missing}/tokenize", missing, "{}")).Status);
        Assert.Equal(400, (await CallAsync(api.GetDataset.Run, "GET", "/api/datasets/..", "..")).Status);
        var dataset = Seed();
        dataset.AddSentences(1);
        await dataset.UploadAsync();
        var bad = await CallAsync(api.RequestTokenize.Run, "POST", $"/api/datasets/{dataset.Name}/tokenize", dataset.Name, "{\"tokenizer\": \"no-slash\"}");
        Assert.Equal(400, bad.Status);
        Assert.Contains("name/version", bad.Text);
        var unknown = await CallAsync(api.RequestTokenize.Run, "POST", $"/api/datasets/{dataset.Name}/tokenize", dataset.Name, "{\"tokenizer\": \"nope/1\"}");
        Assert.Equal(404, unknown.Status);
        Assert.Equal(ApiProblem, unknown.ContentType);
    }

    private const string ApiProblem = "application/problem+json";

    private DatasetSeeder Seed()
    {
        var dataset = new DatasetSeeder(_harness, Path.Combine(_temp.FullName, "data-" + _datasets.Count));
        _datasets.Add(dataset);
        return dataset;
    }

    private Task<PlatformHarness> CreateHarnessAsync(Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Tokenize:ChunkSize"] = ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tokenize:DefaultTokenizerName"] = TinyModel.Name,
            ["Tokenize:DefaultTokenizerVersion"] = TinyModel.Version,
            ["Tokenize:ModelsDirectory"] = Models,
            ["Worker:ModelsDirectory"] = Models,
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
            ["Finalizer:RetryDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in overrides ?? [])
            settings[key] = value;
        return PlatformHarness.CreateAsync(azurite, settings);
    }

    private Task<string> TokenizerIdAsync() =>
        _harness.Get<TokenizerIdentity>().ResolveAsync(new ModelReference(TinyModel.Name, TinyModel.Version), CancellationToken.None);

    /// <summary>Runs the timer function as the host does; the run it planned for <paramref name="dataset"/>, read back from the dataset's status.</summary>
    private static async Task<RunView> TimerRunAsync(Api api, string dataset, string? previousRun)
    {
        await api.TokenizeSchedule.Run(new TimerInfo(), CancellationToken.None);
        var tokenizer = Assert.Single((await GetStatusAsync(api, dataset)).Tokenizers);
        var run = tokenizer.ActiveRun ?? tokenizer.LastRun;
        Assert.NotNull(run);
        Assert.NotEqual(previousRun, run.RunId);
        return run;
    }

    private static async Task<TokenizePlanOutcome> RequestAsync(Api api, string dataset, string body)
    {
        var answer = await CallAsync(api.RequestTokenize.Run, "POST", $"/api/datasets/{dataset}/tokenize", dataset, body);
        Assert.True(answer.Status == 202, answer.Text);
        return JsonSerializer.Deserialize<TokenizePlanOutcome>(answer.Text, Web)!;
    }

    private static async Task<DatasetStatus> GetStatusAsync(Api api, string dataset)
    {
        var answer = await CallAsync(api.GetDataset.Run, "GET", $"/api/datasets/{dataset}", dataset);
        Assert.True(answer.Status == 200, answer.Text);
        return JsonSerializer.Deserialize<DatasetStatus>(answer.Text, Web)!;
    }

    private static async Task<HttpAnswer> CallAsync(
        Func<Microsoft.AspNetCore.Http.HttpRequest, string, CancellationToken, Task<Microsoft.AspNetCore.Mvc.IActionResult>> function,
        string method, string path, string dataset, string? body = null)
    {
        var request = HttpCalls.Request(method, path, body);
        return await HttpCalls.ExecuteAsync(await function(request, dataset, CancellationToken.None), request);
    }

    private static async Task<ShardIndexEntry> ReadEntryAsync(IFileStore tokens, int shard) =>
        JsonSerializer.Deserialize<ShardIndexEntry>(await tokens.ReadAllTextAsync(StorageLayout.ShardIndexEntryName(TokenShardFiles.Stem(shard))), Web)!;

    private static async Task<DatasetIndex> ReadIndexAsync(IFileStore tokens) =>
        JsonSerializer.Deserialize<DatasetIndex>(await tokens.ReadAllTextAsync(StorageLayout.DatasetIndexFileName), Web)!;
}
