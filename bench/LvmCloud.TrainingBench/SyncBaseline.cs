using System.Diagnostics;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;

namespace LvmCloud.TrainingBench;

/// <summary>
/// The synchronous reference: one trainer with K times the batch (what <c>lvm train --batch-size K·b</c> runs), over the
/// same schedule and from the same initial weights, evaluated after every H steps exactly as a DiLoCo merge evaluates
/// (the same evaluation batches), so both curves see the same tokens at each point.
/// </summary>
internal static class SyncBaseline
{
    public static async Task<(List<RoundPoint> Points, TimeSpan Wall)> RunAsync(BenchSettings settings, TokenSequences train, TokenSequences eval)
    {
        var options = new TransformerTrainingOptions(
            Steps: settings.TotalSteps, BatchSize: settings.BatchSize * settings.Shards, PeakLr: settings.LearningRate, WarmupSteps: settings.WarmupSteps,
            EndLr: settings.EndLearningRate, WeightDecay: settings.WeightDecay, Seed: settings.Seed, EvalEvery: 0, CheckpointEvery: settings.TotalSteps, LogEvery: 1);
        var evalOptions = options with { BatchSize = settings.BatchSize, EvalBatches = settings.EvalBatches };
        using var model = TransformerSource.Initial(LlamaPresets.Get(settings.Preset), settings.Seed, TorchSharp.torch.CPU);
        using var optimizer = TransformerOptimizer.Create(model, options);
        var evaluator = new TransformerInnerLoop(model, optimizer, evalOptions);
        var points = new List<RoundPoint>();
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        var request = new InnerLoopRequest(train, new StepRange(0, settings.TotalSteps))
        {
            OnStep = (step, _) =>
            {
                losses.Add(step.Loss);
                if (step.Step % settings.InnerSteps == 0)
                {
                    var round = step.Step / settings.InnerSteps - 1;
                    points.Add(new RoundPoint(round, step.Step, (long)step.Step * options.BatchSize * (train.Length - 1), losses.Average(), evaluator.Evaluate(eval)));
                    losses.Clear();
                    Console.Error.WriteLine($"  sync: step {step.Step}/{settings.TotalSteps}, train {points[^1].TrainLoss:F4}, eval {points[^1].EvalLoss:F4}, {clock.Elapsed.TotalSeconds:F0} s");
                }
                return Task.CompletedTask;
            },
        };
        await new TransformerInnerLoop(model, optimizer, options).RunAsync(request);
        return (points, clock.Elapsed);
    }
}
