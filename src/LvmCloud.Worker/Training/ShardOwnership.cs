using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.State.Leases;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Which delivery of a <c>train-shard</c> job owns the shard: the shard row's owner lease
/// (<see cref="ShardEntity.OwnerLease"/>), held by the queue message id and renewed by its heartbeat. A redelivery of the
/// same message takes over at once; a duplicate message finds a live owner and is dropped; an owner that died is taken
/// over once its heartbeat is <see cref="TrainingWorkerOptions.OwnerLease"/> old.
/// </summary>
public sealed class ShardOwnership(
    StorageClients clients,
    TrainingStateStore state,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<ShardOwnership> logger)
{
    private readonly TableLease<ShardEntity> _lease = new(clients.JobState, ShardEntity.OwnerLease, options.Value.OwnerLease, time, logger);

    /// <summary>
    /// Makes the shard row this delivery's: running, owned by <paramref name="messageId"/>, heartbeat now. Null (and why)
    /// when it is finished, or owned by another message whose heartbeat is live. <c>PreviousStep</c> is the step an
    /// earlier delivery last reported (−1 when none ran).
    /// </summary>
    public async Task<(ShardEntity? Claimed, int PreviousStep, string Why)> ClaimAsync(TrainShardPayload payload, string messageId, CancellationToken cancellationToken)
    {
        var (runId, round, shard) = (payload.RunId, payload.Round, payload.Shard);
        var row = await state.GetShardAsync(runId, round, shard, cancellationToken);
        if (row is null)
            return (null, -1, $"run {runId} has no row for shard {shard} of round {round}");
        var previous = -1;
        var claim = await _lease.ClaimAsync(row, messageId, r => !ShardStates.IsTerminal(r.State), r =>
        {
            var now = time.GetUtcNow();
            previous = r.State == ShardStates.Running ? r.Step : -1;
            if (r.StartedAt is null)
            {
                r.StartedAt = now;
                r.QueueWaitSeconds = Math.Max(0, (now - r.EnqueuedAt).TotalSeconds);
            }
            r.Deliveries++;
        }, cancellationToken);
        var seen = claim.Row ?? row;
        return claim.Outcome switch
        {
            LeaseClaimOutcome.Claimed => (claim.Row, previous, ""),
            LeaseClaimOutcome.HeldElsewhere => (null, previous, $"message {seen.Owner} is training this shard (heartbeat {seen.HeartbeatAt:HH:mm:ss}); this duplicate message is dropped"),
            LeaseClaimOutcome.NotClaimable => (null, previous, $"the shard is {seen.State}; nothing to do"),
            LeaseClaimOutcome.Missing => (null, previous, $"run {runId} has no row for shard {shard} of round {round}"),
            _ => throw new ConcurrencyConflictException($"Run {runId}: shard {shard} of round {round} kept changing while it was claimed."),
        };
    }

    /// <summary>
    /// Renews <paramref name="owner"/>'s heartbeat on the shard row with <paramref name="change"/> in the same write;
    /// throws <see cref="ShardTakenOverException"/> when the shard is no longer this delivery's.
    /// </summary>
    public async Task<ShardEntity> RenewAsync(string runId, int round, int shard, string owner, Action<ShardEntity>? change, CancellationToken cancellationToken)
    {
        try
        {
            return await _lease.RenewAsync(RunEntity.PartitionFor(runId), ShardEntity.RowKeyFor(round, shard), owner, change, cancellationToken);
        }
        catch (LeaseLostException e)
        {
            throw new ShardTakenOverException($"shard {shard} of round {round} of run {runId} was taken over: {e.Message}");
        }
    }
}
