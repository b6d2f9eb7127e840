using LvmCloud.Core.Results;
using LvmCloud.Platform.State;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// Maps an item row to its line of <c>results.jsonl</c> (<see cref="ResultRecord"/>, the format <c>lvm complete</c>
/// writes): the record the item runner made when the item ran, else one built from the row (failed at intake,
/// cancelled, poisoned).
/// </summary>
public static class ResultLine
{
    public static ResultRecord From(ItemEntity item) =>
        item.ResultJson is { Length: > 0 } json && item.State is ItemStates.Succeeded or ItemStates.Failed
            ? ResultsJsonl.Deserialize(json)
            : FromRow(item);

    private static ResultRecord FromRow(ItemEntity item) => new(
        item.ItemId,
        item.State switch
        {
            ItemStates.Succeeded => ResultStatus.Succeeded,
            ItemStates.Cancelled => ResultStatus.Cancelled,
            _ => ResultStatus.Failed,
        },
        item.State == ItemStates.Succeeded ? null : item.ErrorCode ?? "failed",
        item.State == ItemStates.Succeeded ? null : item.Error,
        item.Outputs,
        null,
        item.TotalMs is { } total ? new ResultTimings(0, 0, item.ModelMs ?? 0, 0, total) : null,
        item.Seed,
        item.Perplexity);
}

/// <summary>Milliseconds an item waited in the queue, spent in the model, and spent in all.</summary>
public sealed record ItemTimings(double? QueueWaitMs, double? ModelMs, double? TotalMs);
