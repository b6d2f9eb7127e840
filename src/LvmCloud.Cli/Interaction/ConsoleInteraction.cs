using Spectre.Console;

namespace LvmCloud.Cli.Interaction;

/// <summary>Spectre.Console on stderr for people; stdout carries data only.</summary>
public sealed class ConsoleInteraction : IConsoleInteraction
{
    private readonly IAnsiConsole _stderr;
    private readonly bool _interactive;

    private readonly TextWriter _stdout;

    public ConsoleInteraction(bool jsonOutput)
        : this(jsonOutput, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null)
    {
    }

    /// <summary>A console over given writers (tests): <paramref name="interactive"/> false prints progress as plain lines.</summary>
    public ConsoleInteraction(bool jsonOutput, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        JsonOutput = jsonOutput;
        _stdout = stdout;
        _interactive = interactive;
        _stderr = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stderr),
            Interactive = _interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = _interactive ? AnsiSupport.Detect : AnsiSupport.No,
        });
        // Redirected stderr has no width: keep each message on one line instead of wrapping at 80 columns.
        if (!_interactive) _stderr.Profile.Width = 4096;
    }

    public bool JsonOutput { get; }

    public void WriteLine(string text) => _stdout.WriteLine(text);

    public void Info(string text) => _stderr.MarkupLineInterpolated($"[grey]{text}[/]");

    public void Error(string text) => _stderr.MarkupLineInterpolated($"[red]error:[/] {text}");

    public async Task<T> WithProgressAsync<T>(string title, double total, Func<IProgressReporter, Task<T>> work)
    {
        if (!_interactive)
        {
            var plain = new PlainProgress(title, total, _stderr);
            var result = await work(plain);
            plain.Finish();
            return result;
        }
        T value = default!;
        await _stderr.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(total, 1));
                value = await work(new SpectreProgress(task, title));
                task.Value = task.MaxValue;
            });
        return value;
    }

    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Title(Markup.Escape(title));
        foreach (var (c, i) in columns.Select((c, i) => (c, i)))
            table.AddColumn(new TableColumn(Markup.Escape(c)) { NoWrap = i == 0 });
        foreach (var r in rows) table.AddRow(r.Select(Markup.Escape).ToArray());
        _stderr.Write(table);
    }

    private sealed class SpectreProgress(ProgressTask task, string title) : IProgressReporter
    {
        private readonly Lock _gate = new();

        public void Advance(double amount, string? status = null)
        {
            lock (_gate)
            {
                task.Increment(amount);
                if (status is not null) task.Description = Markup.Escape($"{title} — {status}");
            }
        }
    }

    /// <summary>Non-interactive progress: a line at most every 10% (and at the end).</summary>
    private sealed class PlainProgress(string title, double total, IAnsiConsole console) : IProgressReporter
    {
        private double _done;
        private int _lastDecile = -1;

        private readonly Lock _gate = new();

        /// <summary>Called from parallel uploads: counting and printing happen under one lock, so the lines come in order.</summary>
        public void Advance(double amount, string? status = null)
        {
            lock (_gate)
            {
                _done += amount;
                int decile = total <= 0 ? 10 : (int)Math.Min(10, Math.Floor(_done / total * 10));
                if (decile > _lastDecile)
                {
                    _lastDecile = decile;
                    console.WriteLine($"{title}: {_done:0}/{total:0} ({decile * 10}%){(status is null ? "" : " " + status)}");
                }
            }
        }

        public void Finish()
        {
            if (_lastDecile < 10) console.WriteLine($"{title}: done");
        }
    }
}
