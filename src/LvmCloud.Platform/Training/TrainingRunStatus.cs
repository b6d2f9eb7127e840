namespace LvmCloud.Platform.Training;

/// <summary>
/// What <c>GET /api/training/{runId}</c> answers (and <c>state.json</c> holds): the run's state and round, the current
/// round's shard jobs with their progress, and one line per round with its losses and where its time went.
/// </summary>
/// <param name="Progress">Inner steps done over all shards and rounds, as a fraction of R × K × H.</param>
public sealed record TrainingRunStatus(
    string RunId,
    string State,
    bool CancelRequested,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Round,
    int Rounds,
    int ShardsPerRound,
    int InnerSteps,
    int CheckpointEvery,
    string Base,
    string Model,
    double Progress,
    long StepsDone,
    long StepsTotal,
    IReadOnlyList<ShardProgress> Shards,
    IReadOnlyList<RoundSummary> History)
{
    public static TrainingRunStatus From(RunEntity run, IReadOnlyList<RoundEntity> rounds, IReadOnlyList<ShardEntity> shards)
    {
        long total = (long)run.Rounds * run.ShardsPerRound * run.InnerSteps;
        long merged = rounds.Count(r => r.State == RoundStates.Merged);
        long current = shards.Where(s => s.Round == run.Round && rounds.Any(r => r.Round == s.Round && r.State != RoundStates.Merged))
            .Sum(s => (long)Math.Clamp(s.State == ShardStates.Succeeded ? s.ToStep - s.FromStep : s.Step - s.FromStep, 0, run.InnerSteps));
        long done = Math.Min(total, merged * run.ShardsPerRound * run.InnerSteps + current);
        return new TrainingRunStatus(
            run.RunId, run.State, run.CancelRequested, run.Reason, run.CreatedAt, run.FinishedAt,
            run.Round, run.Rounds, run.ShardsPerRound, run.InnerSteps, run.CheckpointEvery, run.Base,
            $"{run.OutputName}/{run.OutputVersion}",
            run.State == RunStates.Finished ? 1 : total == 0 ? 0 : (double)done / total,
            run.State == RunStates.Finished ? total : done,
            total,
            shards.Select(ShardProgress.From).ToList(),
            rounds.Select(RoundSummary.From).ToList());
    }
}

/// <summary>One shard job of the current round.</summary>
/// <param name="Step">Inner steps done on the run's schedule (the job runs [FromStep, ToStep)).</param>
public sealed record ShardProgress(
    int Round,
    int Shard,
    string State,
    int FromStep,
    int ToStep,
    int Step,
    int CheckpointStep,
    double? Loss,
    int Deliveries,
    int? ResumedFrom,
    int StepsRedone,
    string? Error,
    DateTimeOffset? HeartbeatAt)
{
    public static ShardProgress From(ShardEntity s) => new(
        s.Round, s.Shard, s.State, s.FromStep, s.ToStep, s.State == ShardStates.Succeeded ? s.ToStep : s.Step, s.CheckpointStep,
        s.MeanLoss ?? s.Loss, s.Deliveries, s.ResumedFrom, s.StepsRedone, s.Error ?? s.LastError, s.HeartbeatAt);
}

/// <summary>One round: its shards' outcome, losses and time.</summary>
/// <param name="Drift">How far the round's K shards moved apart relative to their averaged update: sqrt(mean_k ‖θ_k − θ̄‖²) / ‖θ̄ − θ_base‖ (null until merged).</param>
/// <param name="ShardBytesRead">Bytes its merge read from the shards (compressed outer gradients, or weight files when lossless).</param>
public sealed record RoundSummary(
    int Round,
    string State,
    int ShardsSucceeded,
    int ShardsFailed,
    int ShardsCancelled,
    double? TrainLoss,
    double? EvalLoss,
    double? Drift,
    long Tokens,
    DateTimeOffset StartedAt,
    DateTimeOffset? MergedAt,
    RoundTimings Seconds,
    long? ShardBytesRead = null)
{
    public static RoundSummary From(RoundEntity r) => new(
        r.Round, r.State, r.ShardsSucceeded, r.ShardsFailed, r.ShardsCancelled, r.TrainLoss, r.EvalLoss, r.Drift, r.Tokens, r.StartedAt, r.MergedAt,
        RoundTimings.From(r), r.ShardBytesRead);
}

/// <summary>
/// Where a round's time went. <see cref="Inner"/>, <see cref="Transfers"/>, <see cref="Jobs"/> and
/// <see cref="QueueWait"/> are summed over its shard jobs (worker time: with K workers in parallel the wall time is
/// about a K-th of it); <see cref="Merge"/> and <see cref="Eval"/> are the one merge's. <see cref="Overhead"/> is the
/// share of the worker time spent outside inner steps: <c>1 − Inner / (Jobs + Merge)</c>.
/// </summary>
public sealed record RoundTimings(double? Wall, double Inner, double Transfers, double Merge, double Eval, double QueueWait, double Jobs, double? Overhead)
{
    public static RoundTimings From(RoundEntity r)
    {
        var worker = r.JobSeconds + r.MergeSeconds;
        return new RoundTimings(
            r.MergedAt is { } merged ? (merged - r.StartedAt).TotalSeconds : null,
            r.InnerSeconds, r.TransferSeconds, r.MergeSeconds, r.EvalSeconds, r.QueueWaitSeconds, r.JobSeconds,
            worker > 0 ? Math.Clamp(1 - r.InnerSeconds / worker, 0, 1) : null);
    }
}
