using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Training;

/// <summary>
/// The <c>train-shard</c> job: DiLoCo's inner loop for one shard of one round. It claims the shard row (a redelivery
/// of the same message takes over at once; a duplicate message finds a live owner and is dropped), starts from the
/// shard's last checkpoint if there is one, else from the round's base weights and the shard's own AdamW state of the
/// previous round, runs the round's H inner steps with a checkpoint every N (so a killed worker loses at most N
/// steps), writes <c>result.json</c>, records the shard done with the round's counts in one transaction, and merges
/// the round when it was the last shard in (<see cref="RoundMerger"/>, one claim per round). When the worker stops
/// mid-job, the current step is checkpointed before the message is handed back, if that fits in
/// <see cref="TrainingWorkerOptions.StopCheckpointTimeout"/>. The handler decides what a delivery does; the work is in
/// <see cref="ShardOwnership"/> (the claim), <see cref="ShardTrainer"/> (the training, with <see cref="ShardCheckpoints"/>
/// and <see cref="ShardInnerLoop"/>) and <see cref="ShardBookkeeping"/> (the shard's and round's rows).
/// </summary>
public sealed class TrainShardJobHandler(
    TrainingStateStore state,
    TrainingRounds rounds,
    RoundMerger merger,
    ShardOwnership ownership,
    ShardTrainer trainer,
    ShardBookkeeping bookkeeping,
    TimeProvider time,
    ILogger<TrainShardJobHandler> logger) : IJobHandler<TrainShardPayload>
{
    public async Task<JobResult> HandleAsync(JobContext<TrainShardPayload> job)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var cancellation = job.Cancellation;
        var run = await state.GetRunAsync(runId, cancellation)
            ?? throw new PermanentJobException($"Run {runId} named by job {job.JobId} has no state row.");
        if (round >= run.Rounds || shard >= run.ShardsPerRound)
            throw new PermanentJobException($"Job {job.JobId}: run {runId} has {run.Rounds} rounds of {run.ShardsPerRound} shards; round {round}, shard {shard} is not one of them.");
        var row = await state.GetShardAsync(runId, round, shard, cancellation)
            ?? throw new PermanentJobException($"Job {job.JobId}: run {runId} has no row for shard {shard} of round {round}.");

        if (row.State == ShardStates.Succeeded)
        {
            // A redelivery after the work was recorded: make sure the round it finished is merged.
            var merged = await merger.CloseRoundAsync(runId, round, job.Stopping);
            return new JobResult($"already trained{(merged ? "; merged the round" : "")}");
        }
        if (ShardStates.IsTerminal(row.State))
            return new JobResult($"the shard is {row.State}; nothing to do");
        if (run.State != RunStates.Running)
            return new JobResult($"the run is {run.State}; the shard stays {row.State} (resuming the run continues it)");
        if (run.CancelRequested && row.State == ShardStates.Queued)
            return await CancelAsync(job);

        var (claimed, previousStep, why) = await ownership.ClaimAsync(job.Payload, job.MessageId, cancellation);
        if (claimed is null)
            return new JobResult(why);
        try
        {
            var (result, jobSeconds) = await trainer.TrainAsync(job, claimed, previousStep);
            var summary = await bookkeeping.RecordAsync(job, result, jobSeconds, cancellation);
            var merged = await merger.CloseRoundAsync(runId, round, job.Stopping);
            return new JobResult(summary + (merged ? $"; round {round} merged" : ""));
        }
        catch (ShardTakenOverException e)
        {
            logger.LogWarning("Job {JobId}: {Reason}; this delivery stops", job.JobId, e.Message);
            return new JobResult("taken over by another delivery");
        }
    }

    /// <summary>The error of a failed attempt, on the shard's row (the status shows it while the job is retried).</summary>
    public async Task OnAttemptFailedAsync(JobContext<TrainShardPayload> job, Exception error)
    {
        await state.UpdateAsync(ct => state.GetShardAsync(job.Payload.RunId, job.Payload.Round, job.Payload.Shard, ct), row =>
        {
            if (ShardStates.IsTerminal(row.State)) return false;
            row.LastError = JobFailures.ForUser(error);
            return true;
        }, job.Stopping);
    }

    /// <summary>
    /// The job will not be tried again: the shard fails and so does the run, with the reason (resume continues from the
    /// last merged round). A shard that had succeeded means its round's merge was what kept failing.
    /// </summary>
    public async Task OnPoisonAsync(JobContext<TrainShardPayload> job, string reason)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var row = await state.GetShardAsync(runId, round, shard, job.Stopping);
        if (row is null || await state.GetRunAsync(runId, job.Stopping) is null)
            return;
        if (row.State == ShardStates.Succeeded)
        {
            await rounds.FailRunAsync(runId, $"The merge of round {round} failed: {reason}", job.Stopping);
            return;
        }
        await state.TransitionShardAsync(runId, round, shard, s =>
        {
            if (ShardStates.IsTerminal(s.State)) return false;
            s.State = ShardStates.Failed;
            s.Error = reason;
            s.FinishedAt = time.GetUtcNow();
            return true;
        }, job.Stopping);
        await rounds.FailRunAsync(runId, $"Shard {shard} of round {round} failed: {reason}", job.Stopping);
    }

    private async Task<JobResult> CancelAsync(JobContext<TrainShardPayload> job)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        await state.TransitionShardAsync(runId, round, shard, s =>
        {
            if (s.State != ShardStates.Queued) return false;
            s.State = ShardStates.Cancelled;
            s.Error = "Cancelled before it started.";
            s.FinishedAt = time.GetUtcNow();
            return true;
        }, job.Stopping);
        await rounds.CloseIfStoppedAsync(runId, round, job.Stopping);
        return new JobResult("cancelled before it started (the run's cancel was requested)");
    }

    /// <summary>A shard job's <c>result.json</c>, or null when it has none yet.</summary>
    public static Task<ShardResult?> ReadResultAsync(IFileStore shardFolder, CancellationToken cancellationToken) =>
        ShardCheckpoints.ReadResultAsync(shardFolder, cancellationToken);
}
