using LvmCloud.Platform.State;

namespace LvmCloud.Platform.Batches;

/// <summary>
/// What <c>GET /api/batches/{batchId}</c> returns: counts by state and progress (from the batch row, exact and
/// O(1)), and one page of items with their outcome and timings; <see cref="ContinuationToken"/> asks for the next page.
/// <see cref="Note"/> tells what an action did not do (a cancel that came too late).
/// </summary>
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
    IReadOnlyList<ItemStatus> Items,
    string? ContinuationToken = null,
    string? Note = null)
{
    public static BatchStatus From(BatchEntity batch, IReadOnlyList<ItemEntity> items, string? continuationToken) => new(
        batch.BatchId,
        batch.State,
        batch.CancelRequested,
        batch.CreatedAt,
        batch.FinishedAt,
        batch.TotalItems,
        ItemStates.All.ToDictionary(s => s, batch.Count),
        batch.TotalItems == 0 ? (BatchStates.IsTerminal(batch.State) ? 1 : 0) : Math.Min(1, (double)batch.ItemsDone / batch.TotalItems),
        batch.ModelName.Length == 0 ? "" : $"{batch.ModelName}/{batch.ModelVersion}",
        items.Select(ItemStatus.From).ToList(),
        continuationToken);
}

public sealed record ItemStatus(
    string Id,
    string State,
    string? Error,
    int Attempts,
    IReadOnlyList<string> Outputs,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    ItemTimings Timings,
    string? ErrorCode = null)
{
    public static ItemStatus From(ItemEntity item) => new(
        item.ItemId, item.State, item.Error, item.Attempts, item.Outputs, item.StartedAt, item.FinishedAt,
        new ItemTimings(item.QueueWaitMs, item.ModelMs, item.TotalMs), item.ErrorCode);
}

/// <summary>
/// One line of <c>GET /api/batches</c>, and the answer to a cancel: a batch's state and counts, without its items.
/// <see cref="Note"/> tells what an action did not do (a cancel that came too late).
/// </summary>
public sealed record BatchSummary(
    string BatchId,
    string State,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    double Progress,
    string Model,
    string? Note = null)
{
    public static BatchSummary From(BatchEntity batch)
    {
        var status = BatchStatus.From(batch, [], null);
        return new(status.BatchId, status.State, status.CancelRequested, status.CreatedAt, status.FinishedAt, status.Total, status.Counts, status.Progress, status.Model);
    }
}

/// <summary>A page of <c>GET /api/batches</c>, newest first.</summary>
public sealed record BatchList(IReadOnlyList<BatchSummary> Batches, string? ContinuationToken);
