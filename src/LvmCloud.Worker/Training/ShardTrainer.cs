using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Completion;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Trains a claimed shard's remaining steps: reads the run, checks the transformer against the tokenizer and the data,
/// plans the step against the worker's memory, starts from the shard's last checkpoint or the round's base
/// (<see cref="ShardCheckpoints"/>), runs the inner loop (<see cref="ShardInnerLoop"/>) and writes the shard's
/// <c>result.json</c>.
/// </summary>
public sealed class ShardTrainer(
    ShardOwnership ownership,
    RunFiles runs,
    TrainingData data,
    TransformerSource transformers,
    ShardBookkeeping bookkeeping,
    IOptions<TrainingWorkerOptions> options,
    TimeProvider time,
    ILogger<TrainShardJobHandler> logger)
{
    private readonly TrainingWorkerOptions _options = options.Value;

    /// <summary>Trains the shard's remaining steps and writes its result; the result and this delivery's seconds (before any merge).</summary>
    public async Task<(ShardResult Result, double JobSeconds)> TrainAsync(JobContext<TrainShardPayload> job, ShardEntity row, int previousStep)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var cancellation = job.Cancellation;
        var jobClock = Stopwatch.StartNew();
        var run = await runs.GetAsync(runId, cancellation);
        var trainOptions = ShardTraining.Options(run.Spec, shard);
        var transfer = Stopwatch.StartNew();

        var config = await transformers.ConfigAsync(run, cancellation);
        if (round == 0)
        {
            var (_, tokenizer) = await transformers.TokenizerAsync(run, cancellation);
            if (config.VocabSize < tokenizer.NumEmbeddings)
                throw new PermanentJobException($"Run {runId}: the transformer's vocabulary ({config.VocabSize}) is smaller than the tokenizer's {tokenizer.NumEmbeddings} codes.");
        }
        var (train, _) = await data.LoadShardAsync(run.Plan, shard, run.Spec.ShardsPerRound, config.VocabSize, cancellation);
        if (train.Length > config.MaxPositionEmbeddings)
            throw new PermanentJobException($"Run {runId}: sequences have {train.Length} tokens, the transformer's context is {config.MaxPositionEmbeddings}.");
        // With compression the outer gradient is taken against the base this job starts from: a copy kept for the whole job.
        var compression = ShardTraining.Compression(run.Spec);
        EnsureMemoryFits(job, config, trainOptions.BatchSize, train.Length, compression);

        var checkpoints = new ShardCheckpoints(transformers, runId, round, shard);
        var saved = await checkpoints.ReadSavedAsync(cancellation);
        using var model = await checkpoints.OpenModelAsync(run, config, saved, cancellation);
        // Kept now (a resumed job loads it again when it writes the delta).
        using var baseWeights = compression is not null && saved is null ? OuterGradient.Snapshot(model) : null;
        using var optimizer = TransformerOptimizer.Create(model, trainOptions);
        await checkpoints.RestoreAsync(saved, model, optimizer, cancellation);

        var counters = ShardCounters.From(saved);
        var from = Math.Clamp(saved?.Step ?? row.FromStep, row.FromStep, row.ToStep);
        var redone = previousStep < 0 ? 0 : Math.Max(0, previousStep - from);
        var transferSeconds = transfer.Elapsed.TotalSeconds;
        await bookkeeping.MarkStartAsync(job, saved?.Step, from, redone, cancellation);
        if (saved is not null)
            logger.LogInformation("Job {JobId}: resumed from the checkpoint at step {Step}; steps [{From}, {To}) to go{Redone}",
                job.JobId, from, from, row.ToStep, redone > 0 ? $" ({redone} steps past it are trained again)" : "");
        else
            logger.LogInformation("Job {JobId}: training steps [{From}, {To}) from round {Round}'s base", job.JobId, from, row.ToStep, round);

        var progress = new ShardProgress(ownership, runId, round, shard, job.MessageId, _options.ProgressInterval, time, logger);
        var loop = new ShardInnerLoop(model, optimizer, trainOptions, checkpoints, progress, counters, transferSeconds, job.JobId, logger);
        await loop.RunAsync(train, row.FromStep, from, row.ToStep, saved?.LastLoss ?? double.NaN, _options.StopCheckpointTimeout, cancellation, job.Stopping);

        var committed = await checkpoints.ReadCommittedAsync(row.ToStep, cancellation);
        var deltaClock = Stopwatch.StartNew();
        var (delta, deltaBytes) = compression is { } precision
            ? await new ShardDeltaFiles(transformers, runId, round, shard).WriteAsync(run, baseWeights?.Tensors, model, precision, cancellation)
            : ((string?)null, (long?)null);
        var deltaSeconds = delta is null ? 0 : deltaClock.Elapsed.TotalSeconds;
        var result = new ShardResult(round, shard, row.FromStep, row.ToStep, committed,
            counters.MeanLoss, committed.LastLoss, counters.Tokens, saved?.Step, row.Deliveries,
            loop.InnerSeconds, loop.TransferSeconds + deltaSeconds, time.GetUtcNow(), delta, deltaBytes);
        await checkpoints.WriteResultAsync(result, cancellation);
        return (result, jobClock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The shard's training step planned against the worker's memory (<c>Worker:MemoryLimitGb</c>, else detected) before
    /// any weight is loaded, and logged; with <paramref name="compression"/> the plan counts the base copy the job keeps
    /// and the encoded outer gradient it writes (<see cref="OuterStepFootprint.ShardItems"/>). A step that cannot fit fails the shard for good with
    /// <see cref="MemoryPlan.ModelDoesNotFitCode"/> and the plan's numbers: another delivery cannot fit it either.
    /// </summary>
    private void EnsureMemoryFits(JobContext<TrainShardPayload> job, LlamaConfig config, int batchSize, int sequenceLength, OuterGradientPrecision? compression)
    {
        var (runId, round, shard) = (job.Payload.RunId, job.Payload.Round, job.Payload.Shard);
        var extras = new OuterStepFootprint(config).ShardItems(compression);
        var plan = MemoryPlanner.PlanTraining(config, batchSize, sequenceLength, transformers.Budget(), transformers.Device, BatchSetting, extras);
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
}
