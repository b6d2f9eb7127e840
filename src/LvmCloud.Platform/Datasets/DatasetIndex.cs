namespace LvmCloud.Platform.Datasets;

/// <summary>
/// <c>tokens/{dataset}/{tokenizerId}/index.json</c>: every shard of the dataset with this tokenizer, written once per
/// run by whoever closes it (the claim pattern), from the chunk rows. <c>lvm datasets fetch-tokens</c> downloads what
/// it lists; shards of chunks past <see cref="ChunkCount"/> (a dataset that shrank) are no longer listed.
/// </summary>
public sealed record DatasetIndex(
    string Dataset,
    string TokenizerId,
    string Tokenizer,
    string RunId,
    int ChunkSize,
    int ChunkCount,
    long Sentences,
    long Tokens,
    long Skipped,
    IReadOnlyList<DatasetIndexShard> Shards);

/// <summary>One shard of <see cref="DatasetIndex"/>: its files (relative to the tokenizer's folder), the lines it covers and its counts.</summary>
public sealed record DatasetIndexShard(
    int Shard,
    string Jsonl,
    string Bin,
    string Entry,
    int FirstLine,
    int LastLine,
    int Sentences,
    long Tokens,
    int Skipped,
    string Fingerprint,
    string RunId);
