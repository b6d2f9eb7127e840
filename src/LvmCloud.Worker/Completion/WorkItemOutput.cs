namespace LvmCloud.Worker.Completion;

/// <summary>
/// What the pipeline produced for one item: PNG files (deterministic names, e.g. <c>x.png</c>,
/// <c>x-c1.png</c>), or an <see cref="Error"/> saying why this item failed.
/// </summary>
public sealed record WorkItemOutput(
    string ItemId,
    IReadOnlyList<OutputImage> Files,
    string? Error = null,
    double? Perplexity = null,
    long TokensGenerated = 0,
    TimeSpan ModelTime = default)
{
    public static WorkItemOutput Failed(string itemId, string error) => new(itemId, [], error);
}

/// <summary>An output file: its name under <c>results/{batchId}/items/{itemId}/</c> and its PNG bytes.</summary>
public sealed record OutputImage(string Name, ReadOnlyMemory<byte> Png);
