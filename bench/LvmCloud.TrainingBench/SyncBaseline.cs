using System.Diagnostics;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;

namespace LvmCloud.TrainingBench;

/// <summary>
/// Synchronous training as <c>lvm train --batch-size K·b</c> runs it, on a model the caller made (the preset's initial
/// weights or the warm start's), evaluated every <c>evalEvery</c> steps exactly as a DiLoCo merge evaluates (batches of
/// b sequences, the first <c>EvalBatches</c> of the eval set), so its curve and DiLoCo's see the same tokens at each
/// point. The reference of the comparison, and the warm start's pre-training.
/// </summary>
internal static class SyncBaseline
{
    /// <summary>Trains <paramref name="model"/> in place for <c>options.Steps</c> steps; one point every <paramref name="evalEvery"/> steps.</summary>
    public static async Task<(List<RoundPoint> Points, TimeSpan Wall)> RunAsync(LlamaForCausalLM model, TransformerTrainingOptions options, int evalBatchSize,
        TokenSequences train, TokenSequences eval, int evalEvery, string label)
    {
        var evalOptions = options with { BatchSize = evalBatchSize };
        using var optimizer = TransformerOptimizer.Create(model, options);
        var evaluator = new TransformerInnerLoop(model, optimizer, evalOptions);
        var points = new List<RoundPoint>();
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        var request = new InnerLoopRequest(train, new StepRange(0, options.Steps))
        {
            OnStep = (step, _) =>
            {
                losses.Add(step.Loss);
                if (step.Step % evalEvery == 0 || step.Step == options.Steps)
                {
                    var round = (step.Step - 1) / evalEvery;
                    points.Add(new RoundPoint(round, step.Step, (long)step.Step * options.BatchSize * (train.Length - 1), losses.Average(), evaluator.Evaluate(eval)));
                    losses.Clear();
                    Console.Error.WriteLine($"  {label}: step {step.Step}/{options.Steps}, train {points[^1].TrainLoss:F4}, eval {points[^1].EvalLoss:F4}, {clock.Elapsed.TotalSeconds:F0} s");
                }
                return Task.CompletedTask;
            },
        };
        await new TransformerInnerLoop(model, optimizer, options).RunAsync(request);
        return (points, clock.Elapsed);
    }
}
