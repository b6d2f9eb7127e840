using LvmCloud.Core.Datasets;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// <c>tokens/{dataset}/{tokenizerId}/shard-{k:D5}.index.json</c>, written whole by the chunk's job after the shard:
/// which sentences are in the shard (row by row), their counts, the versions of the sources read (the lines' hash,
/// <c>sentences.jsonl</c> and every image by ETag) and every sentence left out with its reason. It holds no time, so a
/// redelivered job rewrites the same bytes.
/// </summary>
public sealed record ShardIndexEntry(
    int Shard,
    string Jsonl,
    string Bin,
    string TokenizerId,
    string RunId,
    int FirstLine,
    int LastLine,
    string LinesHash,
    string Fingerprint,
    int Sentences,
    long Tokens,
    IReadOnlyList<string> SentenceIds,
    IReadOnlyDictionary<string, string> SourceETags,
    IReadOnlyList<SkippedSentence> Skipped);
