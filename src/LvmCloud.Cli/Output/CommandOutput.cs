using System.Globalization;
using System.Text.Json;
using LvmCloud.Cli.Interaction;
using LvmCloud.Core.Json;

namespace LvmCloud.Cli.Output;

/// <summary>
/// The one output service of every <c>lvm</c> command. It decides between the people's view (tables and notes on
/// stderr, one line of data per result on stdout) and <c>--json</c> (one JSON document on stdout, in the HTTP
/// API's style: <see cref="ApiJson.Options"/>, camelCase); it words counts ("1 registered model", "2 registered
/// models"); and it serializes progress reports so that parallel work prints its lines in order. Ids are always
/// printed whole: on stdout, in JSON, and in the first column of a table.
/// </summary>
public sealed class CommandOutput(IConsoleInteraction console)
{
    /// <summary>True when <c>--json</c> was given: the result goes to stdout as one JSON document.</summary>
    public bool JsonOutput => console.JsonOutput;

    /// <summary>Writes <paramref name="document"/> as one line of JSON on stdout, camelCase like the HTTP API.</summary>
    public void WriteJson<T>(T document) => console.WriteLine(Serialize(document));

    /// <summary>With <c>--json</c>, writes <paramref name="document"/>; otherwise runs <paramref name="human"/>.</summary>
    public void Write<T>(T document, Action human)
    {
        if (JsonOutput)
            WriteJson(document);
        else
            human();
    }

    /// <summary>A line of data on stdout (people's mode).</summary>
    public void WriteLine(string text) => console.WriteLine(text);

    /// <summary>A note for people on stderr.</summary>
    public void Info(string text) => console.Info(text);

    public void Error(string text) => console.Error(text);

    /// <summary>A table on stderr; the first column is the row's key (an id or a name) and is printed whole.</summary>
    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows) => console.Table(title, columns, rows);

    /// <summary>Runs <paramref name="work"/> with a progress bar; reports from parallel workers are applied one at a time, in order.</summary>
    public Task<T> WithProgressAsync<T>(string title, double total, Func<IProgressReporter, Task<T>> work) =>
        console.WithProgressAsync(title, total, inner => work(new SerializedProgress(inner)));

    /// <summary>The JSON text of <paramref name="document"/> in the CLI's one style.</summary>
    public static string Serialize<T>(T document) => JsonSerializer.Serialize(document, ApiJson.Options);

    /// <summary>"1 registered model", "2 registered models", "0 batches": the count and the noun in its right number.</summary>
    /// <param name="plural">The plural when it is not <paramref name="singular"/> + "s" (e.g. "batches").</param>
    public static string Count(long count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? singular : plural ?? singular + "s")}");

    private sealed class SerializedProgress(IProgressReporter inner) : IProgressReporter
    {
        private readonly Lock _gate = new();

        public void Advance(double amount, string? status = null)
        {
            lock (_gate)
                inner.Advance(amount, status);
        }
    }
}
