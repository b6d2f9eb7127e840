using LvmCloud.Core.Plotting;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Training;

/// <summary><c>loss.png</c> of a run: the shards' mean train loss and the merged weights' eval loss per round, over inner steps.</summary>
public static class TrainingLossPlot
{
    public static byte[] Render(string runId, int innerSteps, IReadOnlyList<RoundEntity> rounds)
    {
        var merged = rounds.Where(r => r.State == RoundStates.Merged).OrderBy(r => r.Round).ToList();
        var series = new List<PlotSeries>();
        var train = merged.Where(r => r.TrainLoss is { } l && double.IsFinite(l)).Select(r => ((double)(r.Round + 1) * innerSteps, r.TrainLoss!.Value)).ToList();
        var eval = merged.Where(r => r.EvalLoss is { } l && double.IsFinite(l)).Select(r => ((double)(r.Round + 1) * innerSteps, r.EvalLoss!.Value)).ToList();
        if (train.Count > 0)
            series.Add(new PlotSeries("train loss", train, LinePlot.Palette[0]));
        if (eval.Count > 0)
            series.Add(new PlotSeries("eval loss", eval, LinePlot.Palette[1]));
        using var image = LinePlot.Render($"run {runId}: loss per round", series, logY: false, 800, 480);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return png.ToArray();
    }
}
