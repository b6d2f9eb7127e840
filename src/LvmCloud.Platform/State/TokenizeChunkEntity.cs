using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>
/// One chunk of a (dataset, tokenizer): the job that owns it now, the fingerprint it was planned with, and what its
/// shard holds (the fingerprint of the lines and image versions it was made from, counts, the first skipped
/// sentences). A job works only while the row names it, so a job of an older run finds itself superseded.
/// </summary>
public sealed class TokenizeChunkEntity : ITableEntity
{
    /// <summary>Skipped sentences kept on the row (all of them are in the shard's index entry).</summary>
    public const int SkippedKept = 20;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Chunk { get; set; }
    public string State { get; set; } = TokenizeStates.Queued;
    public string RunId { get; set; } = "";
    public string JobId { get; set; } = "";
    public string PlannedFingerprint { get; set; } = "";
    public int FirstLine { get; set; }
    public int LastLine { get; set; }
    public int Lines { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? EnqueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }
    public string? LastError { get; set; }

    /// <summary>Fingerprint of what the shard was made from (lines and the ETags of the images read); null until a shard exists.</summary>
    public string? DoneFingerprint { get; set; }
    /// <summary>The run that wrote the current shard.</summary>
    public string? DoneRunId { get; set; }
    public int Sentences { get; set; }
    public long Tokens { get; set; }
    public int SkippedCount { get; set; }
    /// <summary>The first <see cref="SkippedKept"/> skipped sentences (id, line, reason, message), JSON.</summary>
    public string? SkippedJson { get; set; }
    public string? SentencesETag { get; set; }
}
