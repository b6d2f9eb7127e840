using LvmCloud.Core.Training;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Transformer;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// The transformer's training steps, apart from any run folder: from the weights in <paramref name="model"/> and the
/// state in <paramref name="optimizer"/> (build it with <see cref="TransformerOptimizer.Create"/>; restore both with
/// <see cref="CheckpointStore.RestoreAsync"/>), run a range of optimizer steps: next-token cross-entropy, LVM's
/// schedule (the options' warmup + cosine over <c>Steps</c>), gradient accumulation, global-norm clipping, non-finite
/// steps skipped. Step s's learning rate and batches depend on s alone, so a range split in two with a checkpoint in
/// between trains exactly as the whole range. <c>lvm train</c> runs it over a local run folder; a shard job (DiLoCo's
/// inner loop) runs H steps of its shard from the round's base weights and its own optimizer state, checkpointing to
/// blob storage through the callbacks.
/// </summary>
public sealed class TransformerInnerLoop(LlamaForCausalLM model, OptimizerHelper optimizer, TransformerTrainingOptions options)
{
    /// <summary>The one thread that runs every training step of the process (see <see cref="DedicatedThread"/> for why).</summary>
    private static readonly Lazy<DedicatedThread> StepThread = new(() => new DedicatedThread("lvm-training-steps"));

    public LlamaForCausalLM Model => model;
    public OptimizerHelper Optimizer => optimizer;
    public TransformerTrainingOptions Options => options;

    /// <summary>
    /// Runs the request's steps, calling its callbacks after each step and at each checkpoint. Leaves the model in
    /// eval mode. Each step's tensors live in their own dispose scope; nothing crosses an await. Every step (forward,
    /// backward, update, evaluation) of every inner loop in the process runs on one <see cref="DedicatedThread"/>, so
    /// step after step and job after job reuse memory from one allocator arena wherever the callbacks resume (two loops
    /// at once take turns step by step, as they would for the cores).
    /// </summary>
    /// <exception cref="InvalidOperationException">Too many steps in a row were not finite (the run diverged).</exception>
    public async Task<InnerLoopResult> RunAsync(InnerLoopRequest request, CancellationToken cancellationToken = default)
    {
        options.Validate();
        CpuAllocatorPolicy.Apply(); // a step reuses the previous step's memory (docs/training.md, "Step speed and memory")
        var steps = request.Steps;
        if (steps.To > options.Steps)
            throw new ArgumentException($"Steps [{steps.From}, {steps.To}) run past the schedule's {options.Steps} steps.", nameof(request));
        var schedule = new LearningRateSchedule(options.PeakLr, options.WarmupSteps, options.Steps, options.EndLr);
        var order = new DataOrder(request.Train.Count, options.Seed);
        var guard = new OverflowGuard();
        var losses = new List<double>(steps.Count);
        long tokens = 0;
        int skipped = 0;
        double? lastEval = null;
        model.train();
        var stepThread = StepThread.Value;
        for (int step = steps.From; step < steps.To; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double lr = schedule.At(step);
            int done = step + 1;
            bool evaluate = request.Eval is not null && (EvalDue(done) || (request.EvaluateAtEnd && done == steps.To));
            var (loss, stepTokens, applied, evalLoss) = await stepThread.RunAsync(() =>
            {
                var (stepLoss, count) = Accumulate(request.Train, order, step, lr);
                // Outside the step's dispose scope: the update writes the optimizer's long-lived state.
                bool stepped = guard.TryStep(optimizer, model.parameters(), options.ClipNorm, stepLoss, step);
                double? eval = evaluate ? Evaluate(request.Eval!) : null;
                return (stepLoss, count, stepped, eval);
            }).ConfigureAwait(false);
            if (!applied) skipped++;
            losses.Add(loss);
            tokens += stepTokens;
            if (evalLoss is not null)
                lastEval = evalLoss;
            var report = new InnerLoopStep(done, loss, lr, stepTokens, evalLoss, applied);
            if (request.OnStep is { } onStep)
                await onStep(report, cancellationToken).ConfigureAwait(false);
            if (request.OnCheckpoint is { } onCheckpoint && (done % options.CheckpointEvery == 0 || done == steps.To))
                await onCheckpoint(report, cancellationToken).ConfigureAwait(false);
        }
        model.eval();
        return new InnerLoopResult(steps, losses, tokens, losses.Count > 0 ? losses[^1] : double.NaN, lastEval, skipped);
    }

    /// <summary>Sets the step's learning rate, then sums the gradients of its micro-batches. Returns the step's loss and tokens.</summary>
    private (double Loss, long Tokens) Accumulate(TokenSequences train, DataOrder order, int step, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        optimizer.zero_grad();
        double loss = 0;
        long tokens = 0;
        int micros = options.GradientAccumulation;
        for (int micro = 0; micro < micros; micro++)
        {
            using var scope = NewDisposeScope();
            var ids = train.Batch(order.Batch(step, micro, micros, options.BatchSize), model.Device);
            var microLoss = NextTokenLoss(model, ids) / micros;
            microLoss.backward();
            loss += microLoss.item<float>();
            tokens += ids.shape[0] * (ids.shape[1] - 1);
        }
        return (loss, tokens);
    }

    private bool EvalDue(int done) => options.EvalEvery > 0 && (done % options.EvalEvery == 0 || done == options.Steps);

    /// <summary>Mean next-token cross-entropy of a (B, T) batch: logits of positions 0..T-2 against tokens 1..T-1.</summary>
    public static Tensor NextTokenLoss(LlamaForCausalLM model, Tensor ids)
    {
        long t = ids.shape[1];
        var inputs = ids.narrow(1, 0, t - 1);
        var targets = ids.narrow(1, 1, t - 1);
        var logits = model.forward(inputs); // (B, T-1, V)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1));
    }

    /// <summary>Mean loss over the first <c>EvalBatches</c> micro-batches of the held-out set, without autograd.</summary>
    public double Evaluate(TokenSequences eval) => Evaluate(model, eval, options.BatchSize, options.EvalBatches);

    /// <summary>
    /// Mean loss of <paramref name="model"/> over the first <paramref name="evalBatches"/> micro-batches of
    /// <paramref name="batchSize"/> sequences of the held-out set, without autograd and without an optimizer (a DiLoCo
    /// merge evaluates the merged weights so, holding nothing but them and one batch's activations).
    /// </summary>
    public static double Evaluate(LlamaForCausalLM model, TokenSequences eval, int batchSize, int evalBatches)
    {
        bool wasTraining = model.training;
        model.eval();
        double total = 0;
        int batches = 0;
        using (no_grad())
        {
            for (int b = 0; b < evalBatches; b++)
            {
                int first = b * batchSize;
                if (first >= eval.Count) break;
                var idx = Enumerable.Range(first, Math.Min(batchSize, eval.Count - first)).ToArray();
                using var scope = NewDisposeScope();
                total += NextTokenLoss(model, eval.Batch(idx, model.Device)).item<float>();
                batches++;
            }
        }
        if (wasTraining) model.train();
        return batches == 0 ? double.NaN : total / batches;
    }
}
