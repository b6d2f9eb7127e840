namespace LvmCloud.Cli.Interaction;

/// <summary>
/// The terminal under the CLI: lines of data on stdout, people's text, progress and errors on stderr. Commands write
/// through <see cref="CommandOutput"/>, which decides table vs JSON and serializes JSON in the one style.
/// </summary>
public interface IConsoleInteraction
{
    bool JsonOutput { get; }
    /// <summary>Writes a line of data to stdout (human mode).</summary>
    void WriteLine(string text);
    /// <summary>Writes a note for people on stderr.</summary>
    void Info(string text);
    void Error(string text);
    /// <summary>Runs <paramref name="work"/> with a progress bar on stderr (plain lines when stderr is not a terminal).</summary>
    Task<T> WithProgressAsync<T>(string title, double total, Func<IProgressReporter, Task<T>> work);
    /// <summary>Prints a table on stderr (human mode) — for summaries. The first column is the row's key (an id or a name) and is never shortened.</summary>
    void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows);
}

public interface IProgressReporter
{
    void Advance(double amount, string? status = null);
}
