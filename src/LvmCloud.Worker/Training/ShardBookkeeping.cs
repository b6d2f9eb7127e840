using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Worker.Jobs;

namespace LvmCloud.Worker.Training;

/// <summary>
/// A shard job's bookkeeping on its state row and its round's: where a delivery starts (and how many steps past the
/// last checkpoint it trains again), and the shard recorded done with the round's counts and sums in one transaction.
/// Each write is conditional on the row still being this delivery's: the start renews the owner lease
/// (<see cref="ShardOwnership"/>), and either throws <see cref="ShardTakenOverException"/> when it is not.
/// </summary>
public sealed class ShardBookkeeping(TrainingStateStore state, ShardOwnership ownership)
{
    /// <summary>
    /// Marks the row as resumed from <paramref name="resumedFrom"/> (null: from the round's base) at step
    /// <paramref name="from"/>, counting <paramref name="redone"/> steps an earlier delivery trained past its last checkpoint.
    /// </summary>
    public async Task MarkStartAsync(JobContext<TrainShardPayload> job, int? resumedFrom, int from, int redone, CancellationToken cancellationToken)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        await ownership.RenewAsync(runId, round, shard, job.MessageId, r =>
        {
            r.ResumedFrom = resumedFrom;
            r.Step = from;
            r.CheckpointStep = from;
            r.StepsRedone += redone;
        }, cancellationToken);
    }

    /// <summary>Records the shard done, with its round's counts and sums, in one transaction.</summary>
    public async Task<string> RecordAsync(JobContext<TrainShardPayload> job, ShardResult result, double jobSeconds, CancellationToken cancellationToken)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        ShardEntity? recorded = null;
        var (written, _) = await state.TransitionShardAsync(runId, round, shard, s =>
        {
            if (s.State != ShardStates.Running || s.Owner != job.MessageId) return false;
            s.State = ShardStates.Succeeded;
            s.FinishedAt = result.FinishedAt;
            s.HeartbeatAt = result.FinishedAt;
            s.Step = s.CheckpointStep = result.ToStep;
            s.MeanLoss = double.IsFinite(result.MeanLoss) ? result.MeanLoss : null;
            s.Loss = double.IsFinite(result.FinalLoss) ? result.FinalLoss : null;
            s.Tokens = result.Tokens;
            s.InnerSeconds = result.InnerSeconds;
            s.TransferSeconds = result.TransferSeconds;
            s.JobSeconds = jobSeconds;
            s.LastError = null;
            recorded = s;
            return true;
        }, cancellationToken, r =>
        {
            r.Tokens += result.Tokens;
            r.InnerSeconds += result.InnerSeconds;
            r.TransferSeconds += result.TransferSeconds;
            r.JobSeconds += jobSeconds;
            r.QueueWaitSeconds += recorded?.QueueWaitSeconds ?? 0;
        });
        if (written is null)
            throw new ShardTakenOverException($"shard {shard} of round {round} changed hands before it was recorded");
        return $"steps [{result.FromStep}, {result.ToStep}) trained{(result.ResumedFrom is { } at ? $" (resumed at step {at})" : "")}, mean loss {result.MeanLoss:F4}, {result.Tokens:N0} tokens";
    }
}
