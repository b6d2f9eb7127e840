namespace LvmCloud.Platform.Datasets;

/// <summary>
/// What one planning call did for a (dataset, tokenizer): <c>planned</c> (a run was claimed and its chunks queued),
/// <c>up-to-date</c> (nothing new: nothing queued), <c>in-progress</c> (another run is in flight; changes since are
/// picked up by the next run after it), <c>already-planned</c> (a racing trigger planned this same run), or <c>refused</c> (<c>sentences.jsonl</c> is over its size limit and was not read).
/// </summary>
public sealed record TokenizePlanOutcome(
    string Dataset,
    string TokenizerId,
    string Status,
    string? RunId,
    int ChunksQueued,
    int ChunkCount,
    string Message)
{
    public const string Planned = "planned";
    public const string UpToDate = "up-to-date";
    public const string InProgress = "in-progress";
    public const string AlreadyPlanned = "already-planned";

    /// <summary><c>sentences.jsonl</c> is over <see cref="Core.Sentences.SentenceLimits.MaxFileBytes"/>: not read, nothing queued.</summary>
    public const string Refused = "refused";
}
