using System.Text;
using System.Text.Json;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Platform;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using LvmCloud.Vision.Datasets;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Tokenize;

/// <summary>
/// The <c>tokenize</c> job: turns one chunk of a dataset into its shard with <see cref="DatasetTokenizer"/> (what
/// <c>lvm tokenize-dataset</c> runs), then writes the shard's index entry, records the chunk's end with its run's
/// counts in one transaction, and closes the run if this was its last chunk.
/// <para>
/// What it reads and writes is bounded by the chunk: its chunk row and run row, the chunk's byte range of
/// <c>sentences.jsonl</c> (checked against the hash planned, so a chunk whose lines changed since is superseded, not
/// mixed), the images its sentences use, and three files written whole (<c>.bin</c>, <c>.jsonl</c>, the index entry).
/// The job works only while its chunk row names it; a redelivery after the chunk is recorded does nothing, and one
/// before rewrites identical bytes. A bad line or image skips its sentence with the reason; the shard still completes.
/// </para>
/// </summary>
public sealed class TokenizeJobHandler(
    StorageClients clients,
    TokenizeStateStore state,
    TokenizeRunFinalizer finalizer,
    TokenizerCache tokenizers,
    WorkerStats stats,
    IOptions<TokenizeOptions> options,
    TimeProvider time,
    ILogger<TokenizeJobHandler> logger) : IJobHandler<TokenizePayload>
{
    private static readonly JsonSerializerOptions EntryJson = new(PlatformJson.Web) { WriteIndented = true };

    public async Task<JobResult> HandleAsync(JobContext<TokenizePayload> job)
    {
        var (p, cancellation) = (job.Payload, job.Cancellation);
        var partition = TokenizePartition.For(p.Dataset, p.TokenizerId);
        var row = await state.GetChunkAsync(partition, p.Chunk, cancellation);
        if (row is null || row.RunId != p.RunId || row.JobId != job.JobId)
        {
            stats.ItemSkipped();
            logger.LogInformation("Job {JobId}: chunk {Chunk} of {Partition} is planned by {Owner} now; nothing to do", job.JobId, p.Chunk, partition, row is null ? "nobody" : $"run {row.RunId}");
            return new JobResult($"superseded: chunk {p.Chunk} belongs to {(row is null ? "no run" : $"run {row.RunId}")}");
        }
        if (TokenizeStates.IsTerminalChunk(row.State))
        {
            stats.ItemSkipped();
            await CloseRunAsync(partition, p.RunId, job.Stopping, null);
            return new JobResult($"chunk {p.Chunk} already {row.State}");
        }

        var from = row.State;
        row.State = TokenizeStates.Running;
        row.Attempts++;
        row.StartedAt = time.GetUtcNow();
        if (!await state.TryUpdateChunkAsync(row, cancellation))
        {
            stats.ItemSkipped();
            return new JobResult($"chunk {p.Chunk} is owned by another delivery");
        }
        if (from == TokenizeStates.Running)
            logger.LogWarning("Job {JobId}: chunk {Chunk} left running by an earlier delivery is run again", job.JobId, p.Chunk);

        var loaded = await tokenizers.GetAsync(p.Tokenizer, cancellation);
        if (loaded.TokenizerId != p.TokenizerId)
            throw new PermanentJobException(
                $"Tokenizer {p.Tokenizer} here is {loaded.TokenizerId}, but the job was planned for {p.TokenizerId}: its files changed after it was planned or cached. " +
                "Publish a changed tokenizer under a new version; the next run plans with whatever the name and version mean then.");

        var lines = await ReadLinesAsync(p, cancellation);
        if (lines.Problem is { } changed)
            return await SupersedeAsync(job, row, partition, changed);

        var images = new VersionRecordingStore(clients.DatasetFiles.Under(StorageLayout.DatasetPrefix(p.Dataset)));
        var marked = (p.Marked ?? []).Select(m => new SkippedSentence(VisualSentence.ForLine(m.Line), m.Line, m.Reason, ChunkOutcome.MarkedMessage(m))).ToList();
        var datasetOptions = SentenceDatasetOptions.Default with { MaxParallelReads = options.Value.ParallelReads };
        var dataset = SentenceDataset.FromLines(images, Encoding.UTF8.GetString(lines.Bytes), p.FirstLine, marked, datasetOptions);
        var output = clients.TokenFiles.Under(StorageLayout.TokensPrefix(p.Dataset, p.TokenizerId));
        var stem = TokenShardFiles.Stem(p.Chunk);

        TokenizedShard shard;
        await loaded.Gate.WaitAsync(cancellation);
        try
        {
            var tokenizer = new DatasetTokenizer(loaded.Tokenizer, new DatasetTokenizerOptions { ImagesPerBatch = options.Value.ImagesPerBatch });
            shard = await tokenizer.TokenizeAsync(dataset, new SentenceChunk(p.Chunk, dataset.Sentences, dataset.Invalid), output, stem, cancellationToken: cancellation);
        }
        finally
        {
            loaded.Gate.Release();
        }

        var imageVersions = dataset.Sentences.SelectMany(s => s.Images).Distinct(StringComparer.Ordinal)
            .ToDictionary(path => path, path => images.Read.GetValueOrDefault(path) ?? SourceVersions.Missing, StringComparer.Ordinal);
        var done = SourceVersions.Chunk(p.FirstLine, p.LinesHash, (p.Marked ?? []).Select(m => (m.Line, m.Reason)), imageVersions);
        var sources = new SortedDictionary<string, string>(imageVersions, StringComparer.Ordinal) { [StorageLayout.SentencesFileName] = lines.ETag };
        var entry = new ShardIndexEntry(p.Chunk, shard.JsonlPath, shard.BinaryPath, p.TokenizerId, p.RunId, p.FirstLine, row.LastLine, p.LinesHash, done,
            shard.Sentences, shard.Tokens, shard.SentenceIds, sources, shard.Skipped);
        await output.WriteTextAsync(StorageLayout.ShardIndexEntryName(stem), JsonSerializer.Serialize(entry, EntryJson), "application/json", cancellation);

        var imagesEncoded = dataset.Sentences.Where(s => shard.SentenceIds.Contains(s.SentenceId)).Sum(s => (long)s.Images.Count);
        ChunkOutcome.MarkSucceeded(row, p.RunId, shard, done, lines.ETag, time.GetUtcNow());
        var run = await state.FinishChunkAsync(row, cancellation);
        if (run is null)
        {
            stats.ItemSkipped();
            logger.LogWarning("Job {JobId}: chunk {Chunk} changed while it ran (another delivery recorded it); this run's record is dropped", job.JobId, p.Chunk);
            return new JobResult($"chunk {p.Chunk} recorded by another delivery");
        }
        stats.ShardWritten(imagesEncoded);
        PlatformTelemetry.ShardsWritten.Add(1);
        PlatformTelemetry.ImagesTokenized.Add(imagesEncoded);
        foreach (var skipped in shard.Skipped)
            PlatformTelemetry.SentencesSkipped.Add(1, new KeyValuePair<string, object?>("reason", skipped.Reason));
        await CloseRunAsync(partition, p.RunId, job.Stopping, run);
        return new JobResult($"{stem}: {shard.Sentences} sentences, {shard.Tokens} tokens, {shard.Skipped.Count} skipped");
    }

    /// <summary>The error of a failed attempt, on the chunk row (the dataset status shows it while the job is retried).</summary>
    public async Task OnAttemptFailedAsync(JobContext<TokenizePayload> job, Exception error)
    {
        var row = await state.GetChunkAsync(TokenizePartition.For(job.Payload.Dataset, job.Payload.TokenizerId), job.Payload.Chunk, job.Stopping);
        if (row is null || row.JobId != job.JobId || TokenizeStates.IsTerminalChunk(row.State))
            return;
        row.LastError = JobFailures.ForUser(error);
        await state.TryUpdateChunkAsync(row, job.Stopping);
    }

    /// <summary>Fails the chunk with <paramref name="reason"/> (its run counts it), then closes the run if that was its last chunk.</summary>
    public async Task OnPoisonAsync(JobContext<TokenizePayload> job, string reason)
    {
        var partition = TokenizePartition.For(job.Payload.Dataset, job.Payload.TokenizerId);
        var row = await state.GetChunkAsync(partition, job.Payload.Chunk, job.Stopping);
        if (row is null || row.RunId != job.Payload.RunId || row.JobId != job.JobId || TokenizeStates.IsTerminalChunk(row.State))
            return;
        row.State = TokenizeStates.Failed;
        row.Error = reason;
        row.FinishedAt = time.GetUtcNow();
        var run = await state.FinishChunkAsync(row, job.Stopping);
        PlatformTelemetry.ItemsFailed.Add(1, new KeyValuePair<string, object?>("reason", "poison"));
        if (run is not null)
            await CloseRunAsync(partition, job.Payload.RunId, job.Stopping, run);
    }

    private async Task CloseRunAsync(string partition, string runId, CancellationToken stopping, TokenizeRunEntity? known)
    {
        // Not tied to the message's lease, as closing a batch: it waits out another worker's live claim, so the last
        // message is only deleted once the run is closed.
        if (await finalizer.FinalizeAsync(partition, runId, stopping, known))
            stats.TokenizeRunClosed();
    }

    /// <summary>The chunk's lines as planned; a problem instead when they are no longer there as they were.</summary>
    private async Task<ChunkLines> ReadLinesAsync(TokenizePayload p, CancellationToken cancellationToken)
    {
        byte[] bytes;
        string etag;
        try
        {
            await using var download = await clients.DatasetFiles.OpenAsync(StorageLayout.SentencesPath(p.Dataset), new ByteRange(p.Offset, p.Length), null, cancellationToken);
            using var content = new MemoryStream();
            await download.Content.CopyToAsync(content, cancellationToken);
            (bytes, etag) = (content.ToArray(), SourceVersions.Normalize(download.Info.Version));
        }
        catch (Exception e) when (e is FileNotFoundException or ArgumentOutOfRangeException)
        {
            return new ChunkLines([], "", $"{StorageLayout.SentencesFileName} no longer has these lines ({(e is FileNotFoundException ? 404 : 416)}).");
        }
        if (bytes.Length != p.Length || SentenceLines.Hash(bytes) != p.LinesHash)
            return new ChunkLines(bytes, etag, $"lines {p.FirstLine}.. of {StorageLayout.SentencesFileName} changed after the run was planned; the next run tokenizes them as they are then.");
        return new ChunkLines(bytes, etag, null);
    }

    private async Task<JobResult> SupersedeAsync(JobContext<TokenizePayload> job, TokenizeChunkEntity row, string partition, string reason)
    {
        row.State = TokenizeStates.Superseded;
        row.Error = reason;
        row.FinishedAt = time.GetUtcNow();
        var run = await state.FinishChunkAsync(row, job.Cancellation);
        logger.LogWarning("Job {JobId}: chunk {Chunk} superseded: {Reason}", job.JobId, row.Chunk, reason);
        if (run is not null)
            await CloseRunAsync(partition, job.Payload.RunId, job.Stopping, run);
        return new JobResult($"chunk {row.Chunk} superseded: {reason}");
    }
}
