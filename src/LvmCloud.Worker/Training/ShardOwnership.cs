using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Which queue message owns a <c>train-shard</c> row: the claim a delivery makes before it trains. A redelivery of the
/// same message takes over at once; another message whose heartbeat is younger than
/// <see cref="TrainingWorkerOptions.OwnerLease"/> keeps it; an older heartbeat means its owner died and the shard is
/// taken over. The heartbeat itself is written with the progress (<see cref="ShardProgress"/>).
/// </summary>
public sealed class ShardOwnership(TrainingStateStore state, IOptions<TrainingWorkerOptions> options, TimeProvider time)
{
    private readonly TrainingWorkerOptions _options = options.Value;

    /// <summary>
    /// Makes the shard row this delivery's: running, owned by this message, heartbeat now. Null (and why) when it is
    /// finished, or owned by another message whose heartbeat is live. <c>PreviousStep</c> is the step an earlier delivery
    /// last reported (−1 when none ran).
    /// </summary>
    public async Task<(ShardEntity? Claimed, int PreviousStep, string Why)> ClaimAsync(JobContext<TrainShardPayload> job, CancellationToken cancellationToken)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var previous = -1;
        var why = "";
        var row = await state.UpdateAsync(ct => state.GetShardAsync(runId, round, shard, ct), r =>
        {
            var now = time.GetUtcNow();
            if (ShardStates.IsTerminal(r.State))
            {
                why = $"the shard is {r.State}; nothing to do";
                return false;
            }
            if (r.State == ShardStates.Running && r.Owner != job.MessageId && r.HeartbeatAt + _options.OwnerLease > now)
            {
                why = $"message {r.Owner} is training this shard (heartbeat {r.HeartbeatAt:HH:mm:ss}); this duplicate message is dropped";
                return false;
            }
            why = "";
            previous = r.State == ShardStates.Running ? r.Step : -1;
            if (r.StartedAt is null)
            {
                r.StartedAt = now;
                r.QueueWaitSeconds = Math.Max(0, (now - r.EnqueuedAt).TotalSeconds);
            }
            r.State = ShardStates.Running;
            r.Owner = job.MessageId;
            r.HeartbeatAt = now;
            r.Deliveries++;
            return true;
        }, cancellationToken);
        return why.Length == 0 && row is { State: ShardStates.Running } && row.Owner == job.MessageId ? (row, previous, "") : (null, previous, why);
    }
}
