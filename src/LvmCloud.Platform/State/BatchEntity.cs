using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.State;

/// <summary>One row per batch: partition = batch id, row = <see cref="RowKeyValue"/>. Written only with ETag conditions.</summary>
public sealed class BatchEntity : ITableEntity
{
    public const string RowKeyValue = "batch";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = BatchStates.AwaitingUpload;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PlanningStartedAt { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? FinalizeClaimedAt { get; set; }
    /// <summary>Identifies the current finalization claim (also stamped on the <c>results.jsonl</c> it writes).</summary>
    public string? FinalizeClaimId { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int TotalItems { get; set; }
    public int MessagesEnqueued { get; set; }
    public string? ManifestETag { get; set; }
    public string ModelName { get; set; } = "";
    public string ModelVersion { get; set; } = "";
    public bool CancelRequested { get; set; }
    public string? ResultsWrittenBy { get; set; }

    [IgnoreDataMember]
    public string BatchId => PartitionKey;

    public static BatchEntity New(string batchId, DateTimeOffset now) =>
        new() { PartitionKey = batchId, CreatedAt = now };
}
