using LvmCloud.Core.Images;
using LvmCloud.Core.Results;

namespace LvmCloud.Vision.Pipelines;

/// <summary>
/// What the pipeline made of one item: <c>Candidates[c][f]</c> is new frame f of candidate c (already at the
/// output size the item asked for), or <see cref="Error"/> when the item failed, with <see cref="ErrorCode"/> its
/// reason code (null: <c>invalid-item</c>).
/// </summary>
public sealed record CompletionOutput(
    string ItemId,
    IReadOnlyList<IReadOnlyList<RgbImage>> Candidates,
    double? Perplexity,
    ResultTimings Timings,
    long Seed,
    string? Error,
    int TokensGenerated,
    string? ErrorCode = null);
