using LvmCloud.Core.Datasets;

namespace LvmCloud.Platform.Datasets;

// The datasets API's answers (camelCase JSON). One file: they are one contract, read together.

/// <summary>Answer to <c>GET /api/datasets</c>.</summary>
public sealed record DatasetList(IReadOnlyList<DatasetSummary> Datasets);

/// <summary>A dataset and, per tokenizer it was tokenized with, the totals of its index and its last run.</summary>
public sealed record DatasetSummary(string Dataset, IReadOnlyList<TokenizerSummary> Tokenizers);

public sealed record TokenizerSummary(
    string TokenizerId,
    string Tokenizer,
    int Shards,
    long Sentences,
    long Tokens,
    long Skipped,
    string? ActiveRunId,
    LastRunView? LastRun);

/// <summary>The last finished run as the watermark records it.</summary>
public sealed record LastRunView(string RunId, string? Outcome, string? Trigger, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>Answer to <c>GET /api/datasets/{dataset}</c>.</summary>
public sealed record DatasetStatus(string Dataset, bool HasSentences, IReadOnlyList<TokenizerStatus> Tokenizers);

/// <summary>
/// One tokenizer's view of a dataset: index totals, the last run with its time and outcome, the run in flight and
/// its pending chunks, chunks whose last job failed, and skipped sentences with reasons (the first
/// <see cref="DatasetQueryService.SkippedShown"/>; every shard's index entry lists all of its own).
/// </summary>
public sealed record TokenizerStatus(
    string TokenizerId,
    string Tokenizer,
    int ChunkSize,
    int Shards,
    long Sentences,
    long Tokens,
    long Skipped,
    RunView? LastRun,
    RunView? ActiveRun,
    int PendingChunks,
    IReadOnlyList<ChunkProblem> FailedChunks,
    IReadOnlyList<SkippedSentence> SkippedSentences);

public sealed record RunView(
    string RunId,
    string State,
    string? Outcome,
    string Trigger,
    bool Force,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int ChunksTotal,
    int ChunksSucceeded,
    int ChunksFailed,
    int ChunksSuperseded);

/// <summary>A chunk whose last job did not produce its shard (failed, or its lines changed while it was queued).</summary>
public sealed record ChunkProblem(int Chunk, string State, string? Error, int FirstLine, int LastLine);

/// <summary>Answer to <c>GET /api/datasets/{dataset}/tokens</c>: the index and a read-only SAS URL per file it lists.</summary>
public sealed record DatasetTokens(string Dataset, string TokenizerId, DatasetIndex Index, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Files);
