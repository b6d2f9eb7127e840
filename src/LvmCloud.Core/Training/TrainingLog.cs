using System.Globalization;

namespace LvmCloud.Core.Training;

/// <summary>One row of a training loss log.</summary>
public sealed record TrainingLogRow(int Step, double LearningRate, double TrainLoss, double? EvalLoss, double TokensPerSecond, IReadOnlyDictionary<string, double>? Extra = null);

/// <summary>
/// The loss log a person can plot: a CSV with a header, one row per logged step. On resume the rows
/// after the resumed step are dropped first, so a killed and resumed run leaves one clean curve.
/// </summary>
public sealed class TrainingLog
{
    private readonly string _path;
    private readonly string[] _extraColumns;

    public TrainingLog(string path, IEnumerable<string>? extraColumns = null)
    {
        _path = path;
        _extraColumns = extraColumns?.ToArray() ?? [];
    }

    public string Path => _path;

    private string Header => string.Join(",", new[] { "step", "lr", "train_loss", "eval_loss", "tokens_per_s" }.Concat(_extraColumns));

    /// <summary>Starts a new log, or keeps the rows of an existing one up to <paramref name="resumeStep"/>.</summary>
    public void Open(int resumeStep)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var kept = new List<string> { Header };
        if (resumeStep > 0 && File.Exists(_path))
            kept.AddRange(CompleteRows(File.ReadAllText(_path)).Where(l => StepOf(l) is { } step && step <= resumeStep));
        File.WriteAllLines(_path, kept);
    }

    /// <summary>
    /// The rows after the header that were written whole: a process killed in the middle of <see cref="Append"/>
    /// leaves a last line without its newline (perhaps cut inside the step number), which must not survive a resume.
    /// </summary>
    private static IEnumerable<string> CompleteRows(string text)
    {
        var lines = text.Split('\n');
        // The piece after the last '\n' is empty for a whole file and a fragment for a cut one: dropped either way.
        return lines.Take(lines.Length - 1).Skip(1).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);
    }

    private static int? StepOf(string row) =>
        int.TryParse(row.AsSpan(0, Math.Max(0, row.IndexOf(','))), NumberStyles.None, CultureInfo.InvariantCulture, out int step) ? step : null;

    public void Append(TrainingLogRow row)
    {
        var c = CultureInfo.InvariantCulture;
        var cells = new List<string>
        {
            row.Step.ToString(c), row.LearningRate.ToString("G6", c), row.TrainLoss.ToString("G6", c),
            row.EvalLoss?.ToString("G6", c) ?? "", row.TokensPerSecond.ToString("F1", c),
        };
        foreach (var col in _extraColumns)
            cells.Add(row.Extra is not null && row.Extra.TryGetValue(col, out var v) ? v.ToString("G6", c) : "");
        File.AppendAllText(_path, string.Join(",", cells) + "\n");
    }

    /// <summary>Reads a log back: column name → (step, value) series, empty cells skipped.</summary>
    public static Dictionary<string, List<(int Step, double Value)>> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var series = header.Skip(1).ToDictionary(h => h, _ => new List<(int, double)>());
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            int step = int.Parse(cells[0], CultureInfo.InvariantCulture);
            for (int i = 1; i < header.Length && i < cells.Length; i++)
                if (cells[i].Length > 0) series[header[i]].Add((step, double.Parse(cells[i], CultureInfo.InvariantCulture)));
        }
        return series;
    }
}
