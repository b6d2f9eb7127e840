using System.Runtime.Serialization;
using Azure;
using LvmCloud.Platform.State.Leases;

namespace LvmCloud.Platform.State;

/// <summary>One row per batch: partition = batch id, row = <see cref="RowKeyValue"/>. Written only with ETag conditions.</summary>
public sealed class BatchEntity : IStatefulEntity
{
    public const string RowKeyValue = "batch";

    /// <summary>The intake's lease while it plans the batch (<c>planning</c>): a manifest delivered twice is planned once.</summary>
    public static readonly LeaseColumns<BatchEntity> PlanningLease =
        new("planning", BatchStates.Planning, b => b.PlanningClaimId, (b, v) => b.PlanningClaimId = v, b => b.PlanningStartedAt, (b, v) => b.PlanningStartedAt = v, BatchLifecycle.Table);

    /// <summary>The finalizer's lease while it closes the batch (<c>finalizing</c>): results.jsonl is written once.</summary>
    public static readonly LeaseColumns<BatchEntity> FinalizeLease =
        new("finalization", BatchStates.Finalizing, b => b.FinalizeClaimId, (b, v) => b.FinalizeClaimId = v, b => b.FinalizeClaimedAt, (b, v) => b.FinalizeClaimedAt = v, BatchLifecycle.Table);

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string State { get; set; } = BatchStates.AwaitingUpload;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PlanningStartedAt { get; set; }
    /// <summary>Identifies the intake that holds (or last held) the planning lease.</summary>
    public string? PlanningClaimId { get; set; }
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

    // Items per state. Every change of an item's state is written in one entity-group transaction with these
    // counts (same partition), so they are exact under racing workers and redeliveries.
    public int ItemsQueued { get; set; }
    public int ItemsRunning { get; set; }
    public int ItemsSucceeded { get; set; }
    public int ItemsFailed { get; set; }
    public int ItemsCancelled { get; set; }

    /// <summary>Items that reached succeeded, failed or cancelled.</summary>
    [IgnoreDataMember]
    public int ItemsDone => ItemsSucceeded + ItemsFailed + ItemsCancelled;

    /// <summary>Every item is terminal (and the plan is recorded): the batch can be closed.</summary>
    [IgnoreDataMember]
    public bool AllItemsDone => ItemsDone >= TotalItems && State is not (BatchStates.AwaitingUpload or BatchStates.Planning);

    public int Count(string itemState) => itemState switch
    {
        ItemStates.Queued => ItemsQueued,
        ItemStates.Running => ItemsRunning,
        ItemStates.Succeeded => ItemsSucceeded,
        ItemStates.Failed => ItemsFailed,
        ItemStates.Cancelled => ItemsCancelled,
        _ => throw new ArgumentException($"Unknown item state '{itemState}'.", nameof(itemState)),
    };

    /// <summary>Moves <paramref name="count"/> items from one state's count to another's.</summary>
    public void MoveCount(string from, string to, int count = 1)
    {
        if (from == to) return;
        Add(from, -count);
        Add(to, count);
    }

    private void Add(string itemState, int delta)
    {
        switch (itemState)
        {
            case ItemStates.Queued: ItemsQueued += delta; break;
            case ItemStates.Running: ItemsRunning += delta; break;
            case ItemStates.Succeeded: ItemsSucceeded += delta; break;
            case ItemStates.Failed: ItemsFailed += delta; break;
            case ItemStates.Cancelled: ItemsCancelled += delta; break;
            default: throw new ArgumentException($"Unknown item state '{itemState}'.", nameof(itemState));
        }
    }

    [IgnoreDataMember]
    public string BatchId => PartitionKey;

    public static BatchEntity New(string batchId, DateTimeOffset now) =>
        new() { PartitionKey = batchId, CreatedAt = now };
}
