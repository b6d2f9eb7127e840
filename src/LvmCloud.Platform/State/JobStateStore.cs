using Azure;
using Azure.Data.Tables;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.State;

/// <summary>
/// Batch and item state in Table Storage. One partition per batch; every update is conditional on the ETag
/// the caller read, so racing workers learn they lost (false) instead of overwriting each other.
/// </summary>
public sealed class JobStateStore(StorageClients clients)
{
    private const int MaxTransactionSize = 100;
    private readonly TableClient _table = clients.JobState;

    public async Task<BatchEntity?> GetBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<BatchEntity>(batchId, BatchEntity.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Adds the batch row; false when it already exists.</summary>
    public async Task<bool> TryAddBatchAsync(BatchEntity batch, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.AddEntityAsync(batch, cancellationToken);
            batch.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Replaces the batch row if nobody changed it since it was read; the entity's ETag is refreshed on success.</summary>
    public Task<bool> TryUpdateBatchAsync(BatchEntity batch, CancellationToken cancellationToken) => TryReplaceAsync(batch, cancellationToken);

    public Task<bool> TryUpdateItemAsync(ItemEntity item, CancellationToken cancellationToken) => TryReplaceAsync(item, cancellationToken);

    public async Task<ItemEntity?> GetItemAsync(string batchId, string itemId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<ItemEntity>(batchId, ItemEntity.RowKeyFor(itemId), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>All items of a batch, in manifest order.</summary>
    public async Task<List<ItemEntity>> GetItemsAsync(string batchId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {ItemEntity.RowKeyPrefix} and RowKey lt {"item."}");
        var items = new List<ItemEntity>();
        await foreach (var item in _table.QueryAsync<ItemEntity>(filter, cancellationToken: cancellationToken))
            items.Add(item);
        items.Sort((a, b) => a.Line.CompareTo(b.Line));
        return items;
    }

    /// <summary>Writes item rows in entity-group transactions of up to 100 (idempotent: upsert-replace).</summary>
    public async Task UpsertItemsAsync(IReadOnlyList<ItemEntity> items, CancellationToken cancellationToken)
    {
        foreach (var chunk in items.Chunk(MaxTransactionSize))
        {
            var actions = chunk.Select(item => new TableTransactionAction(TableTransactionActionType.UpsertReplace, item));
            await _table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    private async Task<bool> TryReplaceAsync<T>(T entity, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        try
        {
            var response = await _table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            entity.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }
}
