using System.Diagnostics;
using LvmCloud.Core.Training;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.Vision.Training;

/// <summary>
/// A transformer run in a local folder (<c>lvm train</c>): resumes from the folder's checkpoint, runs the remaining
/// steps through <see cref="TransformerInnerLoop"/>, logs <c>loss.csv</c> and checkpoints every
/// <c>CheckpointEvery</c> steps, so a killed run resumed by a new process continues the same loss curve.
/// </summary>
public sealed class TransformerTrainer(LlamaForCausalLM model, TransformerTrainingOptions options, string runDirectory)
{
    public const string Kind = "transformer";

    /// <summary>Blocking <see cref="TrainAsync"/>.</summary>
    public TrainingResult Train(TokenSequences train, TokenSequences? eval, Action<TrainingStep>? onStep = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => TrainAsync(train, eval, onStep, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    public async Task<TrainingResult> TrainAsync(TokenSequences train, TokenSequences? eval, Action<TrainingStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Directory.CreateDirectory(runDirectory);
        var checkpoints = TrainingCheckpoint.StoreOf(runDirectory);
        using var optimizer = TransformerOptimizer.Create(model, options);
        int start = 0;
        if (await checkpoints.ReadStateAsync(cancellationToken).ConfigureAwait(false) is { } saved)
        {
            if (saved.Kind != Kind) throw new InvalidOperationException($"'{runDirectory}' holds a {saved.Kind} run, not a {Kind} run.");
            await checkpoints.RestoreAsync(saved, model, optimizer, cancellationToken).ConfigureAwait(false);
            start = saved.Step;
        }
        var log = new TrainingLog(Path.Combine(runDirectory, "loss.csv"));
        log.Open(start);
        int end = Math.Min(options.Steps, options.StopAfterStep ?? options.Steps);
        var clock = Stopwatch.StartNew();
        long tokensSinceLog = 0;
        var request = new InnerLoopRequest(train, new StepRange(start, Math.Max(start, end)))
        {
            Eval = eval,
            OnStep = (step, _) =>
            {
                tokensSinceLog += step.Tokens;
                if (step.Step % options.LogEvery == 0 || step.EvalLoss is not null || step.Step == end)
                {
                    double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    log.Append(new TrainingLogRow(step.Step, step.LearningRate, step.Loss, step.EvalLoss, tokensSinceLog / seconds));
                    clock.Restart();
                    tokensSinceLog = 0;
                }
                onStep?.Invoke(new TrainingStep(step.Step, options.Steps, step.Loss, step.LearningRate, step.EvalLoss));
                return Task.CompletedTask;
            },
            OnCheckpoint = (step, ct) => checkpoints.SaveAsync(model, model.Config.Save, optimizer,
                new TrainingState(step.Step, options.Seed, Kind, step.Loss), publishModel: true, ct),
        };
        var result = await new TransformerInnerLoop(model, optimizer, options).RunAsync(request, cancellationToken).ConfigureAwait(false);
        return new TrainingResult(start, end, result.FinalLoss, result.EvalLoss, result.StepLosses);
    }
}
