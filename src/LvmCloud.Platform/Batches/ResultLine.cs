using LvmCloud.Platform.State;

namespace LvmCloud.Platform.Batches;

/// <summary>One line of <c>results/{batchId}/results.jsonl</c>: an item's outcome, in manifest order.</summary>
public sealed record ResultLine(
    string Id,
    int Line,
    string Status,
    string? Error,
    IReadOnlyList<string> Outputs,
    double? Perplexity,
    ItemTimings Timings)
{
    public static ResultLine From(ItemEntity item) => new(
        item.ItemId,
        item.Line,
        item.State,
        item.Error,
        item.Outputs,
        item.Perplexity,
        new ItemTimings(item.QueueWaitMs, item.ModelMs, item.TotalMs));
}

/// <summary>Milliseconds an item waited in the queue, spent in the model, and spent in all.</summary>
public sealed record ItemTimings(double? QueueWaitMs, double? ModelMs, double? TotalMs);
