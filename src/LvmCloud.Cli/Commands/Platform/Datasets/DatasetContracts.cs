namespace LvmCloud.Cli.Commands.Platform.Datasets;

// The datasets API's JSON as the CLI reads it (camelCase). The server side is LvmCloud.Platform.Datasets'
// DatasetUploadGrant, TokenizePlanOutcome, DatasetStatus and DatasetTokens; the CLI keeps its own copy of the wire
// contract, as for batches.

/// <summary>A file announced to <c>POST /api/datasets/{dataset}/uploads</c>.</summary>
public sealed record DatasetUploadFileView(string Path, string? Md5);

/// <summary>Answer to <c>POST /api/datasets/{dataset}/uploads</c>.</summary>
public sealed record DatasetUploadGrantView(string Dataset, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads, IReadOnlyList<string> Unchanged);

/// <summary>Answer to <c>POST /api/datasets/{dataset}/tokenize</c>.</summary>
public sealed record TokenizePlanView(string Dataset, string TokenizerId, string Status, string? RunId, int ChunksQueued, int ChunkCount, string Message);

/// <summary>Answer to <c>GET /api/datasets/{dataset}</c>.</summary>
public sealed record DatasetStatusView(string Dataset, bool HasSentences, IReadOnlyList<TokenizerStatusView> Tokenizers);

public sealed record TokenizerStatusView(
    string TokenizerId,
    string Tokenizer,
    int ChunkSize,
    int Shards,
    long Sentences,
    long Tokens,
    long Skipped,
    RunStatusView? LastRun,
    RunStatusView? ActiveRun,
    int PendingChunks,
    IReadOnlyList<ChunkProblemView> FailedChunks,
    IReadOnlyList<SkippedSentenceView> SkippedSentences);

public sealed record RunStatusView(
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
    int ChunksSuperseded)
{
    public int ChunksDone => ChunksSucceeded + ChunksFailed + ChunksSuperseded;
}

public sealed record ChunkProblemView(int Chunk, string State, string? Error, int FirstLine, int LastLine);

public sealed record SkippedSentenceView(string SentenceId, int LineNumber, string Reason, string Message);

/// <summary>Answer to <c>GET /api/datasets</c>.</summary>
public sealed record DatasetListView(IReadOnlyList<DatasetSummaryView> Datasets);

public sealed record DatasetSummaryView(string Dataset, IReadOnlyList<TokenizerSummaryView> Tokenizers);

public sealed record TokenizerSummaryView(string TokenizerId, string Tokenizer, int Shards, long Sentences, long Tokens, long Skipped, string? ActiveRunId);

/// <summary>Answer to <c>GET /api/datasets/{dataset}/tokens</c>.</summary>
public sealed record DatasetTokensView(string Dataset, string TokenizerId, DatasetIndexView Index, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Files);

public sealed record DatasetIndexView(string Dataset, string TokenizerId, string Tokenizer, string RunId, int ChunkSize, int ChunkCount, long Sentences, long Tokens, long Skipped, IReadOnlyList<DatasetIndexShardView> Shards);

public sealed record DatasetIndexShardView(int Shard, string Jsonl, string Bin, string Entry, int FirstLine, int LastLine, int Sentences, long Tokens, int Skipped);
