namespace LvmCloud.Cli.Interaction;

/// <summary>
/// All console output of the CLI goes through here: data on stdout (JSON when <c>--json</c>),
/// people's text, progress and errors on stderr.
/// </summary>
public interface IConsoleInteraction
{
    bool JsonOutput { get; }
    /// <summary>Writes one JSON document to stdout.</summary>
    void WriteJson<T>(T value);
    /// <summary>Writes a line of data to stdout (human mode).</summary>
    void WriteLine(string text);
    /// <summary>Writes a note for people on stderr.</summary>
    void Info(string text);
    void Error(string text);
    /// <summary>Runs <paramref name="work"/> with a progress bar on stderr (plain lines when stderr is not a terminal).</summary>
    Task<T> WithProgressAsync<T>(string title, double total, Func<IProgressReporter, Task<T>> work);
    /// <summary>Prints a table on stderr (human mode) — for summaries.</summary>
    void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows);
}

public interface IProgressReporter
{
    void Advance(double amount, string? status = null);
}
