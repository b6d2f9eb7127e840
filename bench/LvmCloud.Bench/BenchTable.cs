using System.Globalization;

namespace LvmCloud.Bench;

/// <summary>Rows of the Markdown result table.</summary>
public sealed class BenchTable
{
    private readonly List<(string Measurement, string Value, string Notes)> rows = [];

    public void Add(string measurement, double value, string unit, string notes = "") =>
        rows.Add((measurement, $"{value.ToString(value >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture)} {unit}", notes));

    public void Print(TextWriter output)
    {
        output.WriteLine("| measurement | value | notes |");
        output.WriteLine("|---|---:|---|");
        foreach (var (measurement, value, notes) in rows)
            output.WriteLine($"| {measurement} | {value} | {notes} |");
    }
}
