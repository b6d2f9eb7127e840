using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary>
/// <c>lvm runs list [--limit N]</c>: the training runs, newest first, with state, the model each registers and rounds
/// done; a line per run (its whole id) on stdout.
/// </summary>
public sealed class RunsListCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "list", "List the training runs, newest first, with their state, model and rounds done.")
{
    private readonly Option<int> _limit = new("--limit") { Description = "Runs listed.", DefaultValueFactory = _ => 20 };

    protected override void ConfigureCommand(Command command) => command.Options.Add(_limit);

    /// <summary>Pages through <c>GET /api/training</c> until <c>--limit</c> runs; prints them as a table and a line each, or as JSON.</summary>
    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var limit = Math.Max(1, parse.GetValue(_limit));
        var runs = new List<TrainingRunSummaryView>();
        string? token = null;
        do
        {
            var page = await api.ListTrainingAsync(Math.Min(100, limit - runs.Count), token, cancellationToken);
            runs.AddRange(page.Runs);
            token = page.ContinuationToken;
        }
        while (token is not null && runs.Count < limit);

        console.Write(runs, () =>
        {
            var c = CultureInfo.InvariantCulture;
            console.Table($"{CommandOutput.Count(runs.Count, "run")}, newest first", ["run", "state", "model", "rounds", "created", "finished"],
                runs.Select(r => (IReadOnlyList<string>)[r.RunId, r.CancelRequested && r.State == "running" ? "running (cancel requested)" : r.State,
                    $"{r.OutputName}/{r.OutputVersion}", $"{r.RoundsDone}/{r.Rounds}", r.CreatedAt.ToString("yyyy-MM-dd HH:mm", c),
                    r.FinishedAt?.ToString("yyyy-MM-dd HH:mm", c) ?? ""]));
            foreach (var r in runs)
                console.WriteLine($"{r.RunId} {r.State} {r.RoundsDone}/{r.Rounds}");
        });
        return ExitCodes.Success;
    }
}
