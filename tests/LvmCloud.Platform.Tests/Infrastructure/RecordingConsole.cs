using System.Collections.Concurrent;
using System.Text.Json;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>The CLI's console, recorded: what went to stdout (data) and to stderr (people's text).</summary>
internal sealed class RecordingConsole : IConsoleInteraction
{
    public bool JsonOutput { get; set; }
    public List<string> Stdout { get; } = [];
    public ConcurrentQueue<string> Stderr { get; } = new();
    public double ProgressReported => _progress.Sum();
    private readonly ConcurrentBag<double> _progress = [];

    public void WriteLine(string text) => Stdout.Add(text);
    public void Info(string text) => Stderr.Enqueue(text);
    public void Error(string text) => Stderr.Enqueue("error: " + text);

    public Task<T> WithProgressAsync<T>(string title, double total, Func<IProgressReporter, Task<T>> work) => work(new Reporter(_progress));

    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows) =>
        Stderr.Enqueue(title + ": " + string.Join("; ", rows.Select(r => string.Join(" ", r))));

    public string AllStderr => string.Join('\n', Stderr);

    private sealed class Reporter(ConcurrentBag<double> progress) : IProgressReporter
    {
        public void Advance(double amount, string? status = null) => progress.Add(amount);
    }
}
