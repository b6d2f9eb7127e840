using System.Runtime.Serialization;
using Azure;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;

namespace LvmCloud.Platform.Training;

/// <summary>
/// One row per round, in the run's partition: the counts of its finished shard jobs (moved in the same entity-group
/// transaction as the shard row that finished, so "all K are in" is one read), the merge claim, and what the round cost.
/// </summary>
public sealed class RoundEntity : IStatefulEntity
{
    /// <summary>The merger's lease while it merges the round (<c>merging</c>): the outer step is applied once.</summary>
    public static readonly LeaseColumns<RoundEntity> MergeLease =
        new("merge", RoundStates.Merging, r => r.MergeClaimId, (r, v) => r.MergeClaimId = v, r => r.MergeClaimedAt, (r, v) => r.MergeClaimedAt = v);

    public const string RowKeyPrefix = "round-";

    public static string RowKeyFor(int round) => $"{RowKeyPrefix}{round:D6}";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public int Round { get; set; }
    public int Shards { get; set; }
    public string State { get; set; } = RoundStates.Training;
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>Every shard job of the round is on the queue (set once the last message is sent).</summary>
    public bool Enqueued { get; set; }
    public int ShardsSucceeded { get; set; }
    public int ShardsFailed { get; set; }
    public int ShardsCancelled { get; set; }
    public string? MergeClaimId { get; set; }
    public DateTimeOffset? MergeClaimedAt { get; set; }
    public DateTimeOffset? MergedAt { get; set; }

    /// <summary>Mean inner-step loss over the round's shards.</summary>
    public double? TrainLoss { get; set; }
    /// <summary>Held-out loss of the merged weights.</summary>
    public double? EvalLoss { get; set; }
    /// <summary>How far the shards moved apart, relative to their averaged update: sqrt(mean_k ‖θ_k − θ̄‖²) / ‖θ̄ − θ_base‖ (the merge measures it).</summary>
    public double? Drift { get; set; }
    public long Tokens { get; set; }
    /// <summary>Seconds of the round's shard jobs summed: their inner steps, their transfers (base, optimizer state, data, checkpoints, result) and their whole handling.</summary>
    public double InnerSeconds { get; set; }
    public double TransferSeconds { get; set; }
    public double JobSeconds { get; set; }
    /// <summary>From the round's start (its jobs enqueued) to each job's first start, summed.</summary>
    public double QueueWaitSeconds { get; set; }
    /// <summary>The merge: reading the shards, the outer step and writing the next base (not the evaluation).</summary>
    public double MergeSeconds { get; set; }
    public double EvalSeconds { get; set; }
    /// <summary>Bytes the merge read from the shards: their compressed outer gradients, or their weight files when lossless.</summary>
    public long? ShardBytesRead { get; set; }

    [IgnoreDataMember]
    public int ShardsDone => ShardsSucceeded + ShardsFailed + ShardsCancelled;

    [IgnoreDataMember]
    public bool AllShardsDone => ShardsDone >= Shards;

    public static RoundEntity New(string runId, int round, int shards, DateTimeOffset now) => new()
    {
        PartitionKey = RunEntity.PartitionFor(runId),
        RowKey = RowKeyFor(round),
        Round = round,
        Shards = shards,
        StartedAt = now,
    };

    /// <summary>Moves one shard's count from <paramref name="from"/> to <paramref name="to"/> (only terminal states are counted).</summary>
    public void MoveCount(string from, string to)
    {
        if (from == to) return;
        Add(from, -1);
        Add(to, 1);
    }

    private void Add(string state, int delta)
    {
        switch (state)
        {
            case ShardStates.Succeeded: ShardsSucceeded += delta; break;
            case ShardStates.Failed: ShardsFailed += delta; break;
            case ShardStates.Cancelled: ShardsCancelled += delta; break;
        }
    }
}
