using System.Diagnostics;
using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Checkpoints;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>
/// The <c>train-shard</c> job: DiLoCo's inner loop for one shard of one round. It claims the shard row (a redelivery
/// of the same message takes over at once; a duplicate message finds a live owner and is dropped), starts from the
/// shard's last checkpoint if there is one, else from the round's base weights and the shard's own AdamW state of the
/// previous round, runs the round's H inner steps with a checkpoint every N (so a killed worker loses at most N
/// steps), writes <c>result.json</c>, records the shard done with the round's counts in one transaction, and merges
/// the round when it was the last shard in (<see cref="RoundMerger"/>, one claim per round). When the worker stops
/// mid-job, the current step is checkpointed before the message is handed back, if that fits in
/// <see cref="TrainingWorkerOptions.StopCheckpointTimeout"/>.
/// </summary>
public sealed class TrainShardJobHandler(
    TrainingStateStore state,
    TrainingRounds rounds,
    RunFiles runs,
    TrainingData data,
    TransformerSource transformers,
    RoundMerger merger,
    ShardOwnership ownership,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<TrainShardJobHandler> logger) : IJobHandler<TrainShardPayload>
{
    private readonly TrainingWorkerOptions _options = options.Value;

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

        var (claimed, previousStep, why) = await ownership.ClaimAsync(job, cancellation);
        if (claimed is null)
            return new JobResult(why);
        try
        {
            var (result, jobSeconds) = await TrainAsync(job, claimed, previousStep);
            var summary = await RecordAsync(job, result, jobSeconds, cancellation);
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
            row.LastError = JobFailures.Describe(error);
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

    /// <summary>Trains the shard's remaining steps and writes its result; the result and this delivery's seconds (before any merge).</summary>
    private async Task<(ShardResult Result, double JobSeconds)> TrainAsync(JobContext<TrainShardPayload> job, ShardEntity row, int previousStep)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var cancellation = job.Cancellation;
        var jobClock = Stopwatch.StartNew();
        var run = await runs.GetAsync(runId, cancellation);
        var spec = run.Spec;
        var trainOptions = ShardTraining.Options(spec, shard);
        var transfer = Stopwatch.StartNew();

        var config = await transformers.ConfigAsync(run, cancellation);
        if (round == 0)
        {
            var (_, tokenizer) = await transformers.TokenizerAsync(run, cancellation);
            if (config.VocabSize < tokenizer.NumEmbeddings)
                throw new PermanentJobException($"Run {runId}: the transformer's vocabulary ({config.VocabSize}) is smaller than the tokenizer's {tokenizer.NumEmbeddings} codes.");
        }
        var (train, _) = await data.LoadShardAsync(run.Plan, shard, spec.ShardsPerRound, config.VocabSize, cancellation);
        if (train.Length > config.MaxPositionEmbeddings)
            throw new PermanentJobException($"Run {runId}: sequences have {train.Length} tokens, the transformer's context is {config.MaxPositionEmbeddings}.");
        EnsureMemoryFits(job, config, trainOptions.BatchSize, train.Length);

        var checkpoints = new CheckpointStore(transformers.ShardCheckpoints(runId, round, shard));
        TrainingState? saved;
        try
        {
            saved = await checkpoints.ReadStateAsync(cancellation);
        }
        catch (InvalidDataException e)
        {
            throw new PermanentJobException($"Run {runId}: the checkpoint of shard {shard} of round {round} cannot be read: {e.Message}", e);
        }
        if (saved is not null && saved.Kind != ShardTraining.CheckpointKind)
            throw new PermanentJobException($"Run {runId}: the checkpoint of shard {shard} of round {round} is a {saved.Kind} checkpoint.");

        var (model, _) = saved is not null
            ? (TransformerSource.Blank(config, transformers.Device), 0)
            : await transformers.LoadBaseAsync(run, round, transformers.Device, cancellation);
        using var owned = model;
        using var optimizer = TransformerOptimizer.Create(model, trainOptions);
        if (saved is not null)
        {
            try
            {
                await checkpoints.RestoreAsync(saved, model, optimizer, cancellation);
            }
            catch (Exception e) when (e is InvalidDataException or CheckpointException or EndOfStreamException)
            {
                // Damaged files do not mend: fail the run with the reason rather than retrying it to poison.
                throw new PermanentJobException($"Run {runId}: the checkpoint of shard {shard} of round {round} at step {saved.Step} cannot be restored: {e.Message}", e);
            }
        }
        else if (round > 0)
        {
            // DiLoCo keeps each worker's inner optimizer state from round to round: this shard's, as its last round ended.
            var previousResult = await ReadResultAsync(transformers.ShardFolder(runId, round - 1, shard), cancellation)
                ?? throw new PermanentJobException($"Run {runId}: shard {shard} of round {round - 1} has no result.json, so its optimizer state is lost.");
            await new CheckpointStore(transformers.ShardCheckpoints(runId, round - 1, shard)).RestoreAsync(previousResult.Checkpoint, null, optimizer, cancellation);
        }

        var extra = saved?.Extra ?? [];
        double Extra(string key) => extra.TryGetValue(key, out var v) ? v : 0;
        var from = Math.Clamp(saved?.Step ?? row.FromStep, row.FromStep, row.ToStep);
        double lossSum = Extra("lossSum"), lossCount = Extra("lossCount"), tokens = Extra("tokens");
        double innerBefore = Extra("innerSeconds"), transferBefore = Extra("transferSeconds");
        var redone = previousStep < 0 ? 0 : Math.Max(0, previousStep - from);
        var transferSeconds = transfer.Elapsed.TotalSeconds;
        await state.UpdateAsync(ct => state.GetShardAsync(runId, round, shard, ct), r =>
        {
            if (r.Owner != job.MessageId) throw new ShardTakenOverException($"shard {shard} of round {round} was taken over by message {r.Owner}");
            r.ResumedFrom = saved?.Step;
            r.Step = from;
            r.CheckpointStep = from;
            r.StepsRedone += redone;
            r.HeartbeatAt = time.GetUtcNow();
            return true;
        }, cancellation);
        if (saved is not null)
            logger.LogInformation("Job {JobId}: resumed from the checkpoint at step {Step}; steps [{From}, {To}) to go{Redone}",
                job.JobId, from, from, row.ToStep, redone > 0 ? $" ({redone} steps past it are trained again)" : "");
        else
            logger.LogInformation("Job {JobId}: training steps [{From}, {To}) from round {Round}'s base", job.JobId, from, row.ToStep, round);

        var progress = new ShardProgress(state, runId, round, shard, job.MessageId, _options.ProgressInterval, time, logger);
        var callbacks = TimeSpan.Zero;
        var loopClock = new Stopwatch();
        int lastStep = from, lastCheckpoint = from;
        var lastLoss = saved?.LastLoss ?? double.NaN;

        async Task SaveAsync(int step, double loss, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            var innerSoFar = innerBefore + (loopClock.Elapsed - callbacks).TotalSeconds;
            await checkpoints.SaveAsync(model, model.Config.Save, optimizer, new TrainingState(step, trainOptions.Seed, ShardTraining.CheckpointKind, loss, new Dictionary<string, double>
            {
                ["lossSum"] = lossSum,
                ["lossCount"] = lossCount,
                ["tokens"] = tokens,
                ["innerSeconds"] = innerSoFar,
                ["transferSeconds"] = transferBefore + transferSeconds + clock.Elapsed.TotalSeconds,
            }), cancellationToken: ct);
            transferSeconds += clock.Elapsed.TotalSeconds;
            lastCheckpoint = step;
            await progress.CheckpointedAsync(step, loss, ct);
            callbacks += clock.Elapsed;
            logger.LogInformation("Job {JobId}: checkpoint at step {Step} (loss {Loss:F4})", job.JobId, step, loss);
        }

        var request = new InnerLoopRequest(train, new StepRange(from, row.ToStep))
        {
            OnStep = async (step, ct) =>
            {
                var clock = Stopwatch.StartNew();
                (lastStep, lastLoss) = (step.Step, step.Loss);
                lossSum += step.Loss;
                lossCount++;
                tokens += step.Tokens;
                logger.LogDebug("Job {JobId}: step {Step} of [{From}, {To}), loss {Loss:F4}", job.JobId, step.Step, row.FromStep, row.ToStep, step.Loss);
                await progress.StepAsync(step.Step, step.Loss, ct);
                callbacks += clock.Elapsed;
            },
            OnCheckpoint = (step, ct) => SaveAsync(step.Step, step.Loss, ct),
        };
        loopClock.Start();
        try
        {
            if (from < row.ToStep)
                await new TransformerInnerLoop(model, optimizer, trainOptions).RunAsync(request, cancellation);
        }
        catch (OperationCanceledException) when (job.Stopping.IsCancellationRequested && lastStep > lastCheckpoint)
        {
            // The worker is stopping: keep the steps done since the last checkpoint if the save fits, then hand back.
            using var timeout = new CancellationTokenSource(_options.StopCheckpointTimeout);
            try
            {
                await SaveAsync(lastStep, lastLoss, timeout.Token);
                logger.LogWarning("Job {JobId}: the worker is stopping; step {Step} checkpointed before handing the job back", job.JobId, lastStep);
            }
            catch (Exception e)
            {
                logger.LogWarning("Job {JobId}: the worker is stopping and step {Step} could not be checkpointed in {Timeout} ({Error}); the job resumes at step {Checkpoint}",
                    job.JobId, lastStep, _options.StopCheckpointTimeout, e.Message, lastCheckpoint);
            }
            throw;
        }
        loopClock.Stop();

        var committed = await checkpoints.ReadStateAsync(cancellation);
        if (committed is null || committed.Step != row.ToStep)
            throw new InvalidOperationException($"Run {runId}: shard {shard} of round {round} ended without its checkpoint at step {row.ToStep} (found {committed?.Step}).");
        var result = new ShardResult(round, shard, row.FromStep, row.ToStep, committed,
            lossCount > 0 ? lossSum / lossCount : double.NaN, committed.LastLoss, (long)tokens, saved?.Step, row.Deliveries,
            innerBefore + (loopClock.Elapsed - callbacks).TotalSeconds, transferBefore + transferSeconds, time.GetUtcNow());
        await transformers.ShardFolder(runId, round, shard).WriteTextAsync(TrainingLayout.ShardResultFileName,
            JsonSerializer.Serialize(result, PlatformJson.Web), cancellationToken: cancellation);
        return (result, jobClock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The shard's training step planned against the worker's memory (<c>Worker:MemoryLimitGb</c>, else detected) before
    /// any weight is loaded, and logged. A step that cannot fit fails the shard for good with
    /// <see cref="MemoryPlan.ModelDoesNotFitCode"/> and the plan's numbers: another delivery cannot fit it either.
    /// </summary>
    private void EnsureMemoryFits(JobContext<TrainShardPayload> job, LlamaConfig config, int batchSize, int sequenceLength)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var plan = MemoryPlanner.PlanTraining(config, batchSize, sequenceLength, transformers.Budget(), transformers.Device, BatchSetting);
        if (plan.Known && !plan.Fits)
        {
            var refusal = new ModelDoesNotFitException(plan);
            logger.LogWarning("Job {JobId}: shard {Shard} of round {Round} of run {RunId} does not fit this worker: {Refusal}", job.JobId, shard, round, runId, refusal.Message);
            throw new ModelDoesNotFitJobException($"{refusal.Code}: shard {shard} of round {round} of run {runId} does not fit this worker. {refusal.Message}", refusal);
        }
        logger.LogInformation("Job {JobId}: memory plan {Plan}", job.JobId, plan.Describe());
    }

    /// <summary>Where a run sets its shards' batch size, named in the refusal's fix.</summary>
    public const string BatchSetting = "the run spec's inner.batchSize";

    /// <summary>Records the shard done, with its round's counts and sums, in one transaction.</summary>
    private async Task<string> RecordAsync(JobContext<TrainShardPayload> job, ShardResult result, double jobSeconds, CancellationToken cancellationToken)
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

    /// <summary>A shard job's <c>result.json</c>, or null when it has none yet.</summary>
    public static async Task<ShardResult?> ReadResultAsync(IFileStore shardFolder, CancellationToken cancellationToken)
    {
        var text = await shardFolder.TryReadAllTextAsync(TrainingLayout.ShardResultFileName, cancellationToken);
        return text is null ? null : JsonSerializer.Deserialize<ShardResult>(text, PlatformJson.Web);
    }
}
