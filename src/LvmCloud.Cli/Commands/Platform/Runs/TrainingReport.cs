using System.Globalization;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary>The people's view of a training run on stderr (rounds, the current shards) and its one-line summary on stdout.</summary>
internal static class TrainingReport
{
    public static void Print(TrainingRunView run, CommandOutput console)
    {
        var c = CultureInfo.InvariantCulture;
        string Loss(double? value) => value is { } v ? v.ToString("F4", c) : "";
        string Seconds(double? value) => value is { } v ? v.ToString("F1", c) : "";
        if (run.History.Count > 0)
            console.Table($"Run {run.RunId}: {run.State}{(run.CancelRequested && run.State == "running" ? " (cancel requested)" : "")}, round {Math.Min(run.Round, run.Rounds)}/{run.Rounds}, {run.ShardsPerRound} shards x {run.InnerSteps} steps",
                ["round", "state", "train loss", "eval loss", "tokens", "wall s", "inner s", "transfers s", "merge s", "outside inner"],
                run.History.Select(r => (IReadOnlyList<string>)[
                    r.Round.ToString(c), r.State, Loss(r.TrainLoss), Loss(r.EvalLoss), r.Tokens.ToString("N0", c), Seconds(r.Seconds.Wall), Seconds(r.Seconds.Inner),
                    Seconds(r.Seconds.Transfers), Seconds(r.Seconds.Merge), r.Seconds.Overhead is { } o ? o.ToString("P1", c) : ""]));
        if (run.Shards.Count > 0 && run.State != "finished")
            console.Table($"Round {run.Round} shard jobs",
                ["shard", "state", "step", "checkpoint", "loss", "deliveries", "error"],
                run.Shards.Select(s => (IReadOnlyList<string>)[
                    s.Shard.ToString(c), s.State, $"{s.Step - s.FromStep}/{s.ToStep - s.FromStep}", (s.CheckpointStep - s.FromStep).ToString(c), Loss(s.Loss),
                    s.Deliveries.ToString(c), s.Error ?? ""]));
        if (run.Reason is { } reason)
            console.Info(reason);
    }

    public static string Line(TrainingRunView run) =>
        string.Create(CultureInfo.InvariantCulture, $"{run.RunId} {run.State} round {Math.Min(run.Round, run.Rounds)}/{run.Rounds} {run.StepsDone}/{run.StepsTotal} steps");
}
