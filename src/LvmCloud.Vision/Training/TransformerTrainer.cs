using System.Diagnostics;
using LvmCloud.Core.Training;
using LvmCloud.Vision.Transformer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// Trains a LLaMA-style model with next-token cross-entropy on visual sentences: AdamW, warmup + cosine
/// schedule, global-norm clipping, gradient accumulation, seeded data order, periodic evaluation,
/// checkpoints that a killed run resumes from on the same loss curve.
/// </summary>
public sealed class TransformerTrainer(LlamaForCausalLM model, TransformerTrainingOptions options, string runDirectory)
{
    public const string Kind = "transformer";

    public TrainingResult Train(TokenSequences train, TokenSequences? eval, Action<TrainingStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Directory.CreateDirectory(runDirectory);
        var schedule = new LearningRateSchedule(options.PeakLr, options.WarmupSteps, options.Steps, options.EndLr);
        var order = new DataOrder(train.Count, options.Seed);
        using var optimizer = optim.AdamW(model.parameters(), options.PeakLr, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
        int start = 0;
        var saved = TrainingCheckpoint.ReadState(runDirectory);
        if (saved is not null)
        {
            if (saved.Kind != Kind) throw new InvalidOperationException($"'{runDirectory}' holds a {saved.Kind} run, not a {Kind} run.");
            TrainingCheckpoint.Restore(runDirectory, model, optimizer);
            start = saved.Step;
        }
        var log = new TrainingLog(Path.Combine(runDirectory, "loss.csv"));
        log.Open(start);
        int end = Math.Min(options.Steps, options.StopAfterStep ?? options.Steps);
        var losses = new List<double>();
        double? lastEval = null;
        double last = double.NaN;
        var clock = Stopwatch.StartNew();
        long tokensSinceLog = 0;
        model.train();
        for (int step = start; step < end; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double lr = schedule.At(step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            optimizer.zero_grad();
            double stepLoss = 0;
            for (int micro = 0; micro < options.GradientAccumulation; micro++)
            {
                using var scope = NewDisposeScope();
                var ids = train.Batch(order.Batch(step, micro, options.GradientAccumulation, options.BatchSize), model.Device);
                var loss = NextTokenLoss(ids) / options.GradientAccumulation;
                loss.backward();
                stepLoss += loss.item<float>();
                tokensSinceLog += ids.shape[0] * (ids.shape[1] - 1);
            }
            nn.utils.clip_grad_norm_(model.parameters(), options.ClipNorm);
            optimizer.step();
            losses.Add(stepLoss);
            last = stepLoss;
            int done = step + 1;
            double? evalLoss = null;
            if (eval is not null && options.EvalEvery > 0 && (done % options.EvalEvery == 0 || done == options.Steps))
                lastEval = evalLoss = Evaluate(eval);
            if (done % options.LogEvery == 0 || evalLoss is not null || done == end)
            {
                double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                log.Append(new TrainingLogRow(done, lr, stepLoss, evalLoss, tokensSinceLog / seconds));
                clock.Restart();
                tokensSinceLog = 0;
            }
            if (done % options.CheckpointEvery == 0 || done == end)
                TrainingCheckpoint.Save(runDirectory, model, model.Config.Save, optimizer, new TrainingState(done, options.Seed, Kind, stepLoss));
            onStep?.Invoke(new TrainingStep(done, options.Steps, stepLoss, lr, evalLoss));
        }
        model.eval();
        return new TrainingResult(start, end, last, lastEval, losses);
    }

    /// <summary>Mean next-token cross-entropy of a (B, T) batch: logits of positions 0..T-2 against tokens 1..T-1.</summary>
    public Tensor NextTokenLoss(Tensor ids)
    {
        long t = ids.shape[1];
        var inputs = ids.narrow(1, 0, t - 1);
        var targets = ids.narrow(1, 1, t - 1);
        var logits = model.forward(inputs); // (B, T-1, V)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
    }

    /// <summary>Mean loss over the first <c>EvalBatches</c> micro-batches of the held-out set, without autograd.</summary>
    public double Evaluate(TokenSequences eval)
    {
        bool wasTraining = model.training;
        model.eval();
        using var _ = no_grad();
        double total = 0;
        int batches = 0;
        for (int b = 0; b < options.EvalBatches; b++)
        {
            int first = b * options.BatchSize;
            if (first >= eval.Count) break;
            var idx = Enumerable.Range(first, Math.Min(options.BatchSize, eval.Count - first)).ToArray();
            using var scope = NewDisposeScope();
            total += NextTokenLoss(eval.Batch(idx, model.Device)).item<float>();
            batches++;
        }
        if (wasTraining) model.train();
        return batches == 0 ? double.NaN : total / batches;
    }
}
