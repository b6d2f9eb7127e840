using System.Diagnostics;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using Microsoft.Extensions.Logging;
using TorchSharp.Modules;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Runs one delivery's inner steps of a shard on its loaded model and optimizer: adds each step to the shard's
/// <see cref="ShardCounters"/>, reports progress (and the heartbeat) through <see cref="ShardProgress"/>, checkpoints
/// every N steps through <see cref="ShardCheckpoints"/>, and when the worker stops mid-job keeps the steps done since
/// the last checkpoint if that save fits in <see cref="TrainingWorkerOptions.StopCheckpointTimeout"/>. Its clocks keep
/// the time spent training apart from the time spent on checkpoints and progress writes.
/// </summary>
/// <param name="transferSeconds">This delivery's seconds reading weights and data before the loop.</param>
public sealed class ShardInnerLoop(
    LlamaForCausalLM model,
    AdamW optimizer,
    TransformerTrainingOptions options,
    ShardCheckpoints checkpoints,
    ShardProgress progress,
    ShardCounters counters,
    double transferSeconds,
    string jobId,
    ILogger logger)
{
    private readonly Stopwatch _loopClock = new();
    private TimeSpan _callbacks = TimeSpan.Zero;
    private double _transferSeconds = transferSeconds;

    /// <summary>Seconds in the inner loop, the deliveries before included, without checkpoints and progress writes.</summary>
    public double InnerSeconds => counters.InnerSecondsBefore + (_loopClock.Elapsed - _callbacks).TotalSeconds;

    /// <summary>Seconds moving weights, data and checkpoints, the deliveries before included.</summary>
    public double TransferSeconds => counters.TransferSecondsBefore + _transferSeconds;

    /// <summary>
    /// Trains steps [<paramref name="from"/>, <paramref name="to"/>) (<paramref name="rowFrom"/> is where the shard's
    /// range of the round starts, for the log lines); <paramref name="lastLoss"/> is the loss of the checkpoint it resumes.
    /// </summary>
    public async Task RunAsync(TokenSequences train, int rowFrom, int from, int to, double lastLoss, TimeSpan stopCheckpointTimeout,
        CancellationToken cancellation, CancellationToken stopping)
    {
        int lastStep = from, lastCheckpoint = from;

        async Task SaveAsync(int step, double loss, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            var innerSoFar = InnerSeconds;
            await checkpoints.SaveAsync(model, optimizer, new TrainingState(step, options.Seed, ShardTraining.CheckpointKind, loss,
                counters.ToCheckpoint(innerSoFar, TransferSeconds + clock.Elapsed.TotalSeconds)), ct);
            _transferSeconds += clock.Elapsed.TotalSeconds;
            lastCheckpoint = step;
            await progress.CheckpointedAsync(step, loss, ct);
            _callbacks += clock.Elapsed;
            logger.LogInformation("Job {JobId}: checkpoint at step {Step} (loss {Loss:F4})", jobId, step, loss);
        }

        var request = new InnerLoopRequest(train, new StepRange(from, to))
        {
            OnStep = async (step, ct) =>
            {
                var clock = Stopwatch.StartNew();
                (lastStep, lastLoss) = (step.Step, step.Loss);
                counters.Add(step);
                logger.LogDebug("Job {JobId}: step {Step} of [{From}, {To}), loss {Loss:F4}", jobId, step.Step, rowFrom, to, step.Loss);
                await progress.StepAsync(step.Step, step.Loss, ct);
                _callbacks += clock.Elapsed;
            },
            OnCheckpoint = (step, ct) => SaveAsync(step.Step, step.Loss, ct),
        };
        _loopClock.Start();
        try
        {
            if (from < to)
                await new TransformerInnerLoop(model, optimizer, options).RunAsync(request, cancellation);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && lastStep > lastCheckpoint)
        {
            // The worker is stopping: keep the steps done since the last checkpoint if the save fits, then hand back.
            using var timeout = new CancellationTokenSource(stopCheckpointTimeout);
            try
            {
                await SaveAsync(lastStep, lastLoss, timeout.Token);
                logger.LogWarning("Job {JobId}: the worker is stopping; step {Step} checkpointed before handing the job back", jobId, lastStep);
            }
            catch (Exception e)
            {
                logger.LogWarning("Job {JobId}: the worker is stopping and step {Step} could not be checkpointed in {Timeout} ({Error}); the job resumes at step {Checkpoint}",
                    jobId, lastStep, stopCheckpointTimeout, e.Message, lastCheckpoint);
            }
            throw;
        }
        _loopClock.Stop();
    }
}
