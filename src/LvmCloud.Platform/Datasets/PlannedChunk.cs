using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// One chunk of a dataset as planning sees it: lines <see cref="FirstLine"/>..<see cref="LastLine"/> (the
/// <see cref="Lines"/> non-blank ones, valid or not) at bytes [<see cref="Offset"/>, <see cref="Offset"/> +
/// <see cref="Length"/>) of <c>sentences.jsonl</c>, the images its valid sentences use, and the fingerprint of all of
/// that with the images' versions.
/// </summary>
public sealed record PlannedChunk(
    int Index,
    int FirstLine,
    int LastLine,
    int Lines,
    long Offset,
    int Length,
    string LinesHash,
    IReadOnlyList<MarkedLine> Marked,
    IReadOnlyList<string> Images,
    string Fingerprint);
