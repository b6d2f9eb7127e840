using System.Globalization;
using LvmCloud.Core.Plotting;

namespace LvmCloud.TrainingBench;

/// <summary>
/// The benchmark's Markdown output and plot: per arm a table of its rounds (tokens, losses, the gap to the synchronous
/// eval loss after the same steps, the shards' drift) and where each round's time went; a summary with one line per arm;
/// one PNG with every eval curve over the comparison's steps.
/// </summary>
internal static class BenchReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static void Print(IReadOnlyList<ArmResult> results, IReadOnlyList<RoundPoint> sync, BenchSettings settings, TimeSpan syncWall, double? warmEvalLoss)
    {
        foreach (var result in results)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(C, $"### {result.Arm.Label} ({result.Arm.Rounds} rounds of K={settings.Shards} x H={result.Arm.InnerSteps})"));
            Console.WriteLine();
            Console.WriteLine("| round | tokens | DiLoCo train | sync train | DiLoCo eval | sync eval | eval gap | drift | bytes the merge read |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var d in result.Points)
            {
                var s = sync.FirstOrDefault(p => p.Steps == d.Steps);
                Console.WriteLine(string.Create(C, $"| {d.Round} | {d.Tokens:N0} | {d.TrainLoss:F4} | {s?.TrainLoss:F4} | {d.EvalLoss:F4} | {s?.EvalLoss:F4} | {Gap(d.EvalLoss, s?.EvalLoss)} | {d.Drift:F3} | {d.ShardBytesRead:N0} |"));
            }
            PrintTimes(result);
            if (BytesPerRound(result) is { } perRound)
            {
                Console.WriteLine(string.Create(C, $"bytes per round on the wire to the merge (outer gradients {result.Arm.Compression}): {perRound / 1e6:F2} MB from {settings.Shards} shards ({perRound / settings.Shards / 1e6:F2} MB a shard)"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| run | rounds | tokens | final eval loss | gap to synchronous | mean drift | MB per round to the merge | wall s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        if (warmEvalLoss is { } start)
            Console.WriteLine(string.Create(C, $"| warm start (both begin here) | | | {start:F4} | | | | |"));
        if (sync.Count > 0)
            Console.WriteLine(string.Create(C, $"| synchronous, batch {settings.SyncBatchSize} | | {sync[^1].Tokens:N0} | {sync[^1].EvalLoss:F4} | | | | {syncWall.TotalSeconds:F0} |"));
        foreach (var r in results)
        {
            var last = r.Points[^1];
            var drifts = r.Points.Where(p => p.Drift is not null).Select(p => p.Drift!.Value).ToList();
            var megabytes = BytesPerRound(r) is { } perRound ? (perRound / 1e6).ToString("F2", C) : "";
            Console.WriteLine(string.Create(C, $"| {r.Arm.Label} | {r.Arm.Rounds} | {last.Tokens:N0} | {last.EvalLoss:F4} | {Gap(last.EvalLoss, Reference(sync, last))} | {(drifts.Count > 0 ? drifts.Average() : double.NaN):F3} | {megabytes} | {r.Wall.TotalSeconds:F0} |"));
        }
        Console.WriteLine();
        foreach (var r in results)
        {
            var last = r.Points[^1];
            if (last.EvalLoss is { } value && Reference(sync, last) is { } reference)
                Console.WriteLine(string.Create(C, $"{r.Arm.Label}: gap after the same tokens ({last.Tokens:N0}): {Gap(value, reference)} (target within 2 %: {(value <= reference * 1.02 ? "met" : "missed")})"));
            else
                Console.WriteLine($"{r.Arm.Label}: no synchronous eval loss after the same steps to compare with (--skip-sync, or no eval data).");
        }
    }

    /// <summary>Every eval curve over the comparison's steps; with a warm start each begins at the warm start's eval loss (step 0).</summary>
    public static void SavePlot(string path, IReadOnlyList<ArmResult> results, IReadOnlyList<RoundPoint> sync, BenchSettings settings, double? warmEvalLoss)
    {
        List<(double, double)> Curve(IEnumerable<RoundPoint> points) =>
            (warmEvalLoss is { } start ? [(0.0, start)] : new List<(double, double)>())
                .Concat(points.Where(p => p.EvalLoss is not null).Select(p => ((double)p.Steps, p.EvalLoss!.Value))).ToList();
        var series = new List<PlotSeries>();
        if (sync.Count > 0)
            series.Add(new($"sync x{settings.Shards}", Curve(sync), LinePlot.Palette[0]));
        for (var i = 0; i < results.Count; i++)
            series.Add(new(results[i].Arm.ShortLabel, Curve(results[i].Points), LinePlot.Palette[(i + 1) % LinePlot.Palette.Length]));
        var over = warmEvalLoss is null ? "inner steps" : string.Create(C, $"steps after a {settings.WarmStartSteps}-step warm start");
        var title = string.Create(C, $"DiLoCo K={settings.Shards} vs sync: eval loss over {over}");
        LinePlot.SavePng(path, title, series, logY: false, width: 800, height: 480);
    }

    private static void PrintTimes(ArmResult result)
    {
        var history = result.Status.History;
        Console.WriteLine();
        Console.WriteLine("| round | wall s | inner steps s | transfers s | merge s | eval s | queue wait s (summed) | outside inner steps and eval |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in history)
        {
            var wall = r.Seconds.Wall ?? 0;
            var outside = wall > 0 ? (wall - r.Seconds.Inner - r.Seconds.Eval) / wall : double.NaN;
            Console.WriteLine(string.Create(C, $"| {r.Round} | {wall:F1} | {r.Seconds.Inner:F1} | {r.Seconds.Transfers:F1} | {r.Seconds.Merge:F1} | {r.Seconds.Eval:F1} | {r.Seconds.QueueWait:F1} | {outside:P1} |"));
        }
        var totalWall = history.Sum(r => r.Seconds.Wall ?? 0);
        var totalInner = history.Sum(r => r.Seconds.Inner);
        var totalEval = history.Sum(r => r.Seconds.Eval);
        Console.WriteLine();
        Console.WriteLine(string.Create(C, $"time outside inner steps (downloads, uploads, checkpoints, merge, queue wait; evaluation not counted), all rounds: {(totalWall - totalInner - totalEval) / totalWall:P1} of {totalWall:F0} s (target: under 10 %); evaluation {totalEval / totalWall:P1}; wall {result.Wall.TotalSeconds:F0} s through the platform"));
    }

    /// <summary>The mean bytes a round's merge read from its shards; null when a round did not record them.</summary>
    private static double? BytesPerRound(ArmResult result) =>
        result.Points.Count > 0 && result.Points.All(d => d.ShardBytesRead is not null) ? result.Points.Average(d => (double)d.ShardBytesRead!.Value) : null;

    private static double? Reference(IReadOnlyList<RoundPoint> sync, RoundPoint point) => sync.FirstOrDefault(p => p.Steps == point.Steps)?.EvalLoss;

    private static string Gap(double? value, double? reference) =>
        value is { } v && reference is { } r && r > 0 ? ((v - r) / r).ToString("+0.00 %;-0.00 %", C) : "";
}
