using System.Globalization;
using System.Text;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Training;

/// <summary>
/// The <c>README.md</c> a training run writes beside the model it registers: what the model is, what it started
/// from, the data, every DiLoCo setting, the loss per round and the time it took, so a person can tell how it was
/// trained and redo it from the card alone.
/// </summary>
public static class ModelCard
{
    public static string Render(ModelReference output, TrainingRunSpec spec, TrainingPlan plan, ModelTrainingRecord record, int contextFrames, long parameters)
    {
        var c = CultureInfo.InvariantCulture;
        var inner = spec.InnerOrDefault;
        var outer = spec.OuterOrDefault;
        var card = new StringBuilder();
        card.AppendLine(c, $"# {output.Name} {output.Version}");
        card.AppendLine();
        card.AppendLine(c, $"An LVM (VQGAN tokenizer + LLaMA transformer, {parameters:N0} transformer parameters, {contextFrames} frames of context) trained on the platform by run `{record.RunId}`,");
        card.AppendLine(c, $"from {record.StartedAt:yyyy-MM-dd HH:mm} to {record.FinishedAt:yyyy-MM-dd HH:mm} UTC, with DiLoCo rounds of `train-shard` jobs.");
        card.AppendLine();
        card.AppendLine("## How it was trained");
        card.AppendLine();
        card.AppendLine("| setting | value |");
        card.AppendLine("|---|---|");
        card.AppendLine(c, $"| base | {spec.Base} |");
        card.AppendLine(c, $"| rounds (R) | {spec.Rounds} |");
        card.AppendLine(c, $"| shards per round (K) | {spec.ShardsPerRound} |");
        card.AppendLine(c, $"| inner steps per round (H) | {spec.InnerSteps} |");
        card.AppendLine(c, $"| inner optimizer | AdamW, lr {inner.LearningRate:G4} → {inner.EndLearningRate:G4} (warmup {inner.WarmupSteps}, cosine over {spec.TotalInnerSteps} steps), betas {inner.Beta1:G3}/{inner.Beta2:G3}, weight decay {inner.WeightDecay:G3}, clip {inner.ClipNorm:G3} |");
        card.AppendLine(c, $"| batch per shard | {inner.BatchSize} sequences x {inner.GradientAccumulation} micro-batches |");
        card.AppendLine(c, $"| outer optimizer | {(outer.Nesterov ? "Nesterov momentum" : "momentum")} SGD, lr {outer.LearningRate:G4}, momentum {outer.Momentum:G3}{(outer.Compressed ? $", outer gradients sent as {outer.CompressionOrDefault} (per-block scales)" : "")} |");
        card.AppendLine(c, $"| checkpoint every | {spec.CheckpointInterval} inner steps |");
        card.AppendLine(c, $"| seed | {spec.Seed} |");
        card.AppendLine(c, $"| tokens trained on | {record.Tokens:N0} |");
        card.AppendLine();
        card.AppendLine("Data (token shards, pinned to their versions when the run started):");
        card.AppendLine();
        foreach (var file in plan.Train.Take(20))
            card.AppendLine(c, $"- train: `{file}` ({file.Length:N0} bytes)");
        if (plan.Train.Count > 20)
            card.AppendLine(c, $"- … and {plan.Train.Count - 20} more train shards");
        foreach (var file in plan.Eval.Take(20))
            card.AppendLine(c, $"- eval: `{file}` ({file.Length:N0} bytes)");
        card.AppendLine();
        card.AppendLine("## Loss per round");
        card.AppendLine();
        card.AppendLine(c, $"Final train loss {Format(record.TrainLoss)}, eval loss {Format(record.EvalLoss)} (mean next-token cross-entropy, nats). Curve: `loss.png`.");
        card.AppendLine();
        card.AppendLine("| round | train loss | eval loss | tokens | seconds |");
        card.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var round in record.History)
            card.AppendLine(c, $"| {round.Round} | {Format(round.TrainLoss)} | {Format(round.EvalLoss)} | {round.Tokens:N0} | {round.Seconds:F1} |");
        card.AppendLine();
        card.AppendLine("The train loss of a round is the mean over its shards' inner steps; the eval loss is measured on the merged weights.");
        card.AppendLine("`run.json` of the run is in `training/" + record.RunId + "/`; `training.json` here holds these numbers.");
        return card.ToString();

        string Format(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("F4", c) : "–";
    }
}
