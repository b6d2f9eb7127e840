namespace LvmCloud.Platform.State;

/// <summary>
/// Table keys of retokenization state, kept in the job-state table beside the batches: one partition per (dataset,
/// tokenizer) holding its watermark, its runs and its chunks, so that a chunk's end and its run's counts are written
/// in one entity-group transaction. The partitions start with '~', which no batch id does.
/// </summary>
public static class TokenizePartition
{
    private const string Prefix = "~tok~";

    /// <summary>Partition of the tokenizer ids of resolved tokenizers (their files' hash, by name and version).</summary>
    public const string TokenizerIds = "~tokenizers";

    public static string For(string dataset, string tokenizerId) => $"{Prefix}{dataset}~{tokenizerId}";

    /// <summary>The range of partitions of one dataset, or of every dataset when null ('~' sorts after every name character).</summary>
    public static (string From, string To) RangeOf(string? dataset) =>
        dataset is null ? (Prefix, Prefix + "~") : ($"{Prefix}{dataset}~", $"{Prefix}{dataset}~~");

    public static string RunRowKey(string runId) => $"run-{runId}";

    public static string ChunkRowKey(int chunk) => $"chunk-{chunk:D5}";

    public const string ChunkRowPrefix = "chunk-";
    public const string RunRowPrefix = "run-";

    public static string RunId(int generation) => $"r{generation:D6}";
}
