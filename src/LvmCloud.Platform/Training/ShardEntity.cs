using Azure;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;

namespace LvmCloud.Platform.Training;

/// <summary>
/// One row per shard job of a round, in the run's partition: its state, the delivery that owns it
/// (<see cref="Owner"/>, the queue message id, with a heartbeat), its progress and what it cost.
/// </summary>
public sealed class ShardEntity : IStatefulEntity
{
    /// <summary>The owning delivery's lease while it trains the shard (<c>running</c>), renewed by its heartbeat.</summary>
    public static readonly LeaseColumns<ShardEntity> OwnerLease =
        new("owner", ShardStates.Running, s => s.Owner, (s, v) => s.Owner = v, s => s.HeartbeatAt, (s, v) => s.HeartbeatAt = v);

    public const string RowKeyPrefix = "shard-";

    public static string RowKeyFor(int round, int shard) => $"{RowKeyPrefix}{round:D6}-{shard:D3}";

    public static string RoundPrefix(int round) => $"{RowKeyPrefix}{round:D6}-";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Round { get; set; }
    public int Shard { get; set; }
    public string State { get; set; } = ShardStates.Queued;
    /// <summary>First and last (exclusive) inner step of the job, on the run's schedule.</summary>
    public int FromStep { get; set; }
    public int ToStep { get; set; }
    /// <summary>Inner steps done, as last reported (every checkpoint, and every few seconds while training).</summary>
    public int Step { get; set; }
    /// <summary>The step of the last committed checkpoint.</summary>
    public int CheckpointStep { get; set; }
    public double? Loss { get; set; }
    public double? MeanLoss { get; set; }
    public long Tokens { get; set; }
    /// <summary>The queue message id of the delivery working on it; a redelivery of the same message takes over at once.</summary>
    public string? Owner { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public int Deliveries { get; set; }
    /// <summary>The step the latest delivery resumed at from a checkpoint (null: it started from the round's base).</summary>
    public int? ResumedFrom { get; set; }
    /// <summary>Steps trained by earlier deliveries past their last checkpoint, as reported, and so trained again.</summary>
    public int StepsRedone { get; set; }
    public DateTimeOffset EnqueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }
    public string? LastError { get; set; }
    public double InnerSeconds { get; set; }
    public double TransferSeconds { get; set; }
    public double JobSeconds { get; set; }
    public double QueueWaitSeconds { get; set; }

    public static ShardEntity New(string runId, int round, int shard, int innerSteps, DateTimeOffset now) => new()
    {
        PartitionKey = RunEntity.PartitionFor(runId),
        RowKey = RowKeyFor(round, shard),
        Round = round,
        Shard = shard,
        FromStep = round * innerSteps,
        ToStep = (round + 1) * innerSteps,
        Step = round * innerSteps,
        CheckpointStep = round * innerSteps,
        EnqueuedAt = now,
    };
}
