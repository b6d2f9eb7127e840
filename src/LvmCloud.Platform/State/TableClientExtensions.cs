using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>The one conditional write of a table row that every table store and lease uses.</summary>
public static class TableClientExtensions
{
    /// <summary>
    /// Replaces <paramref name="entity"/> if nobody changed it since it was read (its ETag still matches); the entity's
    /// ETag is refreshed on success. False when the row changed or is gone (412 or 404): the caller lost a race.
    /// </summary>
    public static async Task<bool> TryReplaceAsync<T>(this TableClient table, T entity, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        try
        {
            var response = await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            entity.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>The row, or null when there is none.</summary>
    public static async Task<T?> GetIfExistsAsync<T>(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }
}
