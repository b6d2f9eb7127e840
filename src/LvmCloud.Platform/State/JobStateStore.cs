using Azure;
using Azure.Data.Tables;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.Storage;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.State;

/// <summary>
/// Batch and item state in Table Storage. One partition per batch (row <c>batch</c> plus <c>item-{id}</c> rows);
/// every update is conditional on the ETag the caller read, so racing workers learn they lost (false, or a lost
/// change) instead of overwriting each other. An item's change of state and the batch row's counts are written in
/// one entity-group transaction, so the counts are exact and closing a batch never needs to read its items.
/// </summary>
public sealed class JobStateStore(StorageClients clients, ResiliencePipelineProvider<string> pipelines)
{
    private readonly ResiliencePipeline _conflicts = pipelines.GetPipeline(PlatformResilience.StateConflict);
    private readonly KeyedAsyncLock _batchRows = new(); // this process's transitions of one batch take turns
    /// <summary>Entity-group transactions hold at most 100 entities: 99 items and the batch row.</summary>
    private const int ItemsPerTransaction = 99;
    private const int MaxTransactionSize = 100;
    /// <summary>A table filter may hold at most 15 comparisons: the partition key and 14 row keys.</summary>
    private const int RowKeysPerQuery = 14;
    private readonly TableClient _table = clients.JobState;

    public async Task<BatchEntity?> GetBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<BatchEntity>(batchId, BatchEntity.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Adds the batch row and its index row; false when the batch already exists.</summary>
    public async Task<bool> TryAddBatchAsync(BatchEntity batch, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.AddEntityAsync(batch, cancellationToken);
            batch.ETag = response.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
        await _table.UpsertEntityAsync(BatchIndexEntity.For(batch), TableUpdateMode.Replace, cancellationToken);
        return true;
    }

    /// <summary>Replaces the batch row if nobody changed it since it was read; the entity's ETag is refreshed on success.</summary>
    public Task<bool> TryUpdateBatchAsync(BatchEntity batch, CancellationToken cancellationToken) => _table.TryReplaceAsync(batch, cancellationToken);

    /// <summary>Replaces an item row (not its state: use <see cref="TransitionItemsAsync"/> for that) if nobody changed it since it was read.</summary>
    public Task<bool> TryUpdateItemAsync(ItemEntity item, CancellationToken cancellationToken) => _table.TryReplaceAsync(item, cancellationToken);

    public async Task<ItemEntity?> GetItemAsync(string batchId, string itemId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<ItemEntity>(batchId, ItemEntity.RowKeyFor(itemId), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The named items of a batch that exist, in the order asked (a query per 14 ids).</summary>
    public async Task<List<ItemEntity>> GetItemsAsync(string batchId, IReadOnlyList<string> itemIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, ItemEntity>(StringComparer.Ordinal);
        foreach (var chunk in itemIds.Distinct(StringComparer.Ordinal).Chunk(RowKeysPerQuery))
        {
            var rows = string.Join(" or ", chunk.Select(id => TableClient.CreateQueryFilter($"RowKey eq {ItemEntity.RowKeyFor(id)}")));
            var filter = $"{TableClient.CreateQueryFilter($"PartitionKey eq {batchId}")} and ({rows})";
            await foreach (var item in _table.QueryAsync<ItemEntity>(filter, cancellationToken: cancellationToken))
                found[item.ItemId] = item;
        }
        return itemIds.Where(found.ContainsKey).Select(id => found[id]).Distinct().ToList();
    }

    /// <summary>All items of a batch, in manifest order (reads the whole partition: for closing a batch, not per message).</summary>
    public async Task<List<ItemEntity>> GetItemsAsync(string batchId, CancellationToken cancellationToken)
    {
        var items = new List<ItemEntity>();
        await foreach (var item in _table.QueryAsync<ItemEntity>(ItemsFilter(batchId, null), cancellationToken: cancellationToken))
            items.Add(item);
        items.Sort((a, b) => a.Line.CompareTo(b.Line));
        return items;
    }

    /// <summary>One page of a batch's items in item-id order, optionally only those in <paramref name="state"/>.</summary>
    public async Task<(List<ItemEntity> Items, string? ContinuationToken)> GetItemsPageAsync(
        string batchId, string? state, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var pages = _table.QueryAsync<ItemEntity>(ItemsFilter(batchId, state), maxPerPage: pageSize, cancellationToken: cancellationToken)
            .AsPages(continuationToken, pageSize);
        await foreach (var page in pages)
            return (page.Values.ToList(), page.ContinuationToken);
        return ([], null);
    }

    /// <summary>One page of the batch index, newest first.</summary>
    public async Task<(List<BatchIndexEntity> Batches, string? ContinuationToken)> GetBatchIndexPageAsync(
        int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {BatchIndexEntity.PartitionKeyValue}");
        var pages = _table.QueryAsync<BatchIndexEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken)
            .AsPages(continuationToken, pageSize);
        await foreach (var page in pages)
            return (page.Values.ToList(), page.ContinuationToken);
        return ([], null);
    }

    /// <summary>Writes item rows in entity-group transactions of up to 100 (idempotent: upsert-replace). Counts are the caller's to set.</summary>
    public async Task UpsertItemsAsync(IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        foreach (var chunk in items.Chunk(MaxTransactionSize))
        {
            var actions = chunk.Select(item => new TableTransactionAction(TableTransactionActionType.UpsertReplace, item));
            await _table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    /// <summary>
    /// Writes changed items (each conditional on the ETag it was read with) together with the batch row's counts,
    /// in transactions of up to 99 items plus the batch row, reading the batch row fresh before each. When the batch
    /// row changed meanwhile the transaction is retried with the new row; an item that another writer changed (or
    /// that is gone) is left out and reported as lost. Items get their new ETags.
    /// </summary>
    public async Task<TransitionResult> TransitionItemsAsync(string batchId, IReadOnlyList<ItemChange> changes, CancellationToken cancellationToken)
    {
        var written = new List<ItemEntity>();
        var lost = new List<ItemEntity>();
        BatchEntity? batch = null;
        // Every transition rewrites the batch row (its counts, under its ETag). A worker holds several messages of one
        // batch at once, so its own transitions would mostly conflict with each other and retry: they take turns here,
        // and only other processes' writes can still conflict.
        using var turn = await _batchRows.AcquireAsync(batchId, cancellationToken);
        foreach (var chunk in changes.Chunk(ItemsPerTransaction))
        {
            var pending = chunk.ToList();
            batch = await _conflicts.ExecuteAsync(async ct =>
            {
                var current = await GetBatchAsync(batchId, ct) ?? throw new InvalidOperationException($"Batch {batchId} has no batch row.");
                if (pending.Count == 0)
                    return current;
                foreach (var change in pending)
                    current.MoveCount(change.FromState, change.Item.State);
                if (current.State == BatchStates.Queued && pending.Any(c => c.Item.State == ItemStates.Running))
                    BatchLifecycle.Move(current, BatchStates.Running); // the first item started
                var actions = pending.Select(c => new TableTransactionAction(TableTransactionActionType.UpdateReplace, c.Item, c.Item.ETag))
                    .Append(new TableTransactionAction(TableTransactionActionType.UpdateReplace, current, current.ETag))
                    .ToList();
                try
                {
                    var responses = (await _table.SubmitTransactionAsync(actions, ct)).Value;
                    for (var i = 0; i < pending.Count; i++)
                        pending[i].Item.ETag = responses[i].Headers.ETag ?? default;
                    current.ETag = responses[^1].Headers.ETag ?? default;
                    written.AddRange(pending.Select(c => c.Item));
                    return current;
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
                {
                    // An item that changed is owned by another delivery now: leave it out. Otherwise the batch row
                    // changed (another item finished): read it again and re-apply.
                    if (e.FailedTransactionActionIndex is { } index && index < pending.Count)
                    {
                        lost.Add(pending[index].Item);
                        pending.RemoveAt(index);
                    }
                    throw new ConcurrencyConflictException($"Batch {batchId}: the batch row or an item changed during a transition.");
                }
            }, cancellationToken);
        }
        batch ??= await GetBatchAsync(batchId, cancellationToken) ?? throw new InvalidOperationException($"Batch {batchId} has no batch row.");
        return new TransitionResult(batch, written, lost);
    }

    private static string ItemsFilter(string batchId, string? state) =>
        state is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {ItemEntity.RowKeyPrefix} and RowKey lt {"item."}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {ItemEntity.RowKeyPrefix} and RowKey lt {"item."} and State eq {state}");
}
