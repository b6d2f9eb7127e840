using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>
/// One row per batch in the index partition, keyed newest first (inverted creation ticks), so that listing the
/// batches is one partition query instead of a scan of every batch's partition.
/// </summary>
public sealed class BatchIndexEntity : ITableEntity
{
    /// <summary>Cannot be a batch id (those start with a letter or digit), so it never mixes with a batch's rows.</summary>
    public const string PartitionKeyValue = "~index";

    public string PartitionKey { get; set; } = PartitionKeyValue;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string BatchId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public static string RowKeyFor(string batchId, DateTimeOffset createdAt) =>
        $"{DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks:D19}-{batchId}";

    public static BatchIndexEntity For(BatchEntity batch) =>
        new() { RowKey = RowKeyFor(batch.BatchId, batch.CreatedAt), BatchId = batch.BatchId, CreatedAt = batch.CreatedAt };
}
