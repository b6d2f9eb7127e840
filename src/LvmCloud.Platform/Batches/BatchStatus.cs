using LvmCloud.Platform.State;

namespace LvmCloud.Platform.Batches;

/// <summary>What <c>GET /api/batches/{batchId}</c> returns: counts by state, progress, per-item outcome and timings.</summary>
public sealed record BatchStatus(
    string BatchId,
    string State,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    double Progress,
    string Model,
    IReadOnlyList<ItemStatus> Items)
{
    public static BatchStatus From(BatchEntity batch, IReadOnlyList<ItemEntity> items)
    {
        var counts = ItemStates.All.ToDictionary(s => s, s => items.Count(i => i.State == s));
        var done = items.Count(i => ItemStates.IsTerminal(i.State));
        return new BatchStatus(
            batch.BatchId,
            batch.State,
            batch.CancelRequested,
            batch.CreatedAt,
            batch.FinishedAt,
            items.Count,
            counts,
            items.Count == 0 ? (BatchStates.IsTerminal(batch.State) ? 1 : 0) : (double)done / items.Count,
            batch.ModelName.Length == 0 ? "" : $"{batch.ModelName}/{batch.ModelVersion}",
            items.Select(ItemStatus.From).ToList());
    }
}

public sealed record ItemStatus(
    string Id,
    string State,
    string? Error,
    int Attempts,
    IReadOnlyList<string> Outputs,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    ItemTimings Timings)
{
    public static ItemStatus From(ItemEntity item) => new(
        item.ItemId, item.State, item.Error, item.Attempts, item.Outputs, item.StartedAt, item.FinishedAt,
        new ItemTimings(item.QueueWaitMs, item.ModelMs, item.TotalMs));
}
