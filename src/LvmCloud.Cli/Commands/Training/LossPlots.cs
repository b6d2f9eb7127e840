using LvmCloud.Core.Plotting;
using LvmCloud.Core.Training;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>Loss-curve pictures for a run folder.</summary>
public static class LossPlots
{
    /// <summary>Writes <c>loss.png</c> beside <c>loss.csv</c>: train and eval loss over steps (log scale).</summary>
    public static string Write(string runDirectory, string title, params string[] columns)
    {
        string csv = Path.Combine(runDirectory, "loss.csv");
        var series = TrainingLog.Read(csv);
        var plotted = new List<PlotSeries>();
        int color = 0;
        foreach (var column in columns)
            if (series.TryGetValue(column, out var points) && points.Count > 0)
                plotted.Add(new PlotSeries(column.Replace('_', ' '), points.Select(p => ((double)p.Step, p.Value)).ToList(), LinePlot.Palette[color++ % LinePlot.Palette.Length]));
        string png = Path.Combine(runDirectory, "loss.png");
        LinePlot.SavePng(png, title, plotted, logY: true);
        return png;
    }
}
