using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Queues;

/// <summary>
/// A <c>tokenize</c> job: turn chunk <see cref="Chunk"/> of a dataset into shard <c>shard-{chunk:D5}</c> under
/// <c>tokens/{dataset}/{tokenizerId}/</c>. The chunk's lines are the byte range
/// [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>) of <c>sentences.jsonl</c> as planned
/// (<see cref="LinesHash"/> is their SHA-256), so the job reads its own lines and nothing else; <see cref="Marked"/>
/// are lines of the range the whole file's parse found invalid for reasons the range alone cannot show.
/// </summary>
public sealed record TokenizePayload(
    string Dataset,
    ModelReference Tokenizer,
    string TokenizerId,
    string RunId,
    int Chunk,
    int FirstLine,
    long Offset,
    int Length,
    string LinesHash,
    string PlannedFingerprint,
    IReadOnlyList<MarkedLine>? Marked = null) : IJobPayload
{
    public static string Kind => QueueNames.TokenizeKind;

    public IEnumerable<string> Validate()
    {
        if (!Identifiers.IsValidDatasetName(Dataset))
            yield return $"dataset '{Dataset}' is not a valid dataset name";
        if (Tokenizer is null || Tokenizer.Problem() is not null)
            yield return Tokenizer?.Problem() ?? "tokenizer is missing";
        if (string.IsNullOrWhiteSpace(TokenizerId) || TokenizerId.Contains('/') || TokenizerId.Contains(".."))
            yield return $"tokenizerId '{TokenizerId}' is not a folder name";
        if (string.IsNullOrWhiteSpace(RunId))
            yield return "runId is missing";
        if (Chunk < 0 || FirstLine < 1 || Offset < 0 || Length < 0)
            yield return "chunk, firstLine, offset and length must not be negative (firstLine counts from 1)";
        if (string.IsNullOrWhiteSpace(LinesHash) || string.IsNullOrWhiteSpace(PlannedFingerprint))
            yield return "linesHash and plannedFingerprint are required";
    }

    public string Describe() => $"dataset {Dataset}, chunk {Chunk} (lines from {FirstLine}), tokenizer {TokenizerId}, run {RunId}";

    public IEnumerable<KeyValuePair<string, object?>> SpanTags() =>
    [
        new("lvm.dataset", Dataset),
        new("lvm.tokenizer_id", TokenizerId),
        new("lvm.chunk", Chunk),
    ];
}

/// <summary>A line the whole file's parse found invalid: its number and reason code (<c>duplicate-id</c>, <c>too-many-items</c>).</summary>
public sealed record MarkedLine(int Line, string Reason);
