using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>
/// The watermark of one (dataset, tokenizer): what the last finished run covered, the run in flight (the plan claim:
/// set with an ETag condition, so racing triggers plan once), and the dataset index's totals. Row
/// <see cref="RowKeyValue"/> of the pair's partition (<see cref="TokenizePartition"/>).
/// </summary>
public sealed class TokenizeWatermarkEntity : ITableEntity
{
    public const string RowKeyValue = "watermark";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Dataset { get; set; } = "";
    public string TokenizerId { get; set; } = "";
    public string TokenizerName { get; set; } = "";
    public string TokenizerVersion { get; set; } = "";

    /// <summary>
    /// Fingerprint of the dataset's listing (every blob's path and ETag) that the last run covered completely; equal
    /// to the current one means nothing changed, so a run costs a listing and this read. Null after a run with
    /// failed chunks, so the next one looks chunk by chunk.
    /// </summary>
    public string? SourceFingerprint { get; set; }
    /// <summary>Lines per chunk the shards were cut with; another chunk size redoes every chunk.</summary>
    public int ChunkSize { get; set; }
    /// <summary>Runs planned so far; the next run is <c>r{Generation + 1}</c>.</summary>
    public int Generation { get; set; }

    /// <summary>The run in flight (the plan claim), or null.</summary>
    public string? ActiveRunId { get; set; }

    public string? LastRunId { get; set; }
    public string? LastRunOutcome { get; set; }
    public string? LastRunTrigger { get; set; }
    public DateTimeOffset? LastRunStartedAt { get; set; }
    public DateTimeOffset? LastRunFinishedAt { get; set; }
    public DateTimeOffset? LastCheckedAt { get; set; }

    // The dataset index's totals, as the last run wrote it.
    public int Shards { get; set; }
    public long Sentences { get; set; }
    public long Tokens { get; set; }
    public long Skipped { get; set; }
    /// <summary>ETag of <c>index.json</c> as the last run wrote it: the next run replaces exactly that version.</summary>
    public string? IndexETag { get; set; }

    public static TokenizeWatermarkEntity New(string dataset, string tokenizerId, Queues.ModelReference tokenizer) => new()
    {
        PartitionKey = TokenizePartition.For(dataset, tokenizerId),
        Dataset = dataset,
        TokenizerId = tokenizerId,
        TokenizerName = tokenizer.Name,
        TokenizerVersion = tokenizer.Version,
    };
}
