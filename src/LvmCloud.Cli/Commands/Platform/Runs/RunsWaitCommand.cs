using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary>
/// <c>lvm train-wait RUN</c>: a progress bar over the run's inner steps (all shards, all rounds) until it ends. Exit 0
/// when it finished, 1 when it failed or was cancelled (the reason is printed), 3 when the timeout passed first.
/// </summary>
public sealed class RunsWaitCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "wait", "Wait for a training run to end, showing progress over its inner steps.")
{
    private readonly Argument<string> _run = new("RUN") { Description = "The run id printed by 'lvm train-submit'." };
    private readonly Option<string> _timeout = new("--timeout") { Description = "Give up after this long: seconds, or 90s, 5m, 2h, or hh:mm:ss (default: no limit)." };
    private readonly Option<string> _interval = new("--interval") { Description = "Time between polls (default 5s).", DefaultValueFactory = _ => "5s" };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_run);
        command.Options.Add(_timeout);
        command.Options.Add(_interval);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var runId = parse.GetValue(_run)!;
        var timeout = parse.GetValue(_timeout) is { } t ? Durations.Parse(t, "--timeout") : (TimeSpan?)null;
        var interval = Durations.Parse(parse.GetValue(_interval)!, "--interval");
        var deadline = StatusPolling.Deadline(timeout);

        var first = await api.GetTrainingAsync(runId, cancellationToken);
        var run = await console.WithProgressAsync($"run {runId}", Math.Max(1, first.StepsTotal), progress =>
            StatusPolling.PollAsync(progress, first, ct => api.GetTrainingAsync(runId, ct),
                r => r.IsTerminal, r => r.StepsDone, Status, interval, deadline, cancellationToken));

        if (console.JsonOutput)
            console.WriteJson(run);
        else
        {
            TrainingReport.Print(run, console);
            console.WriteLine(TrainingReport.Line(run));
        }
        if (!run.IsTerminal)
        {
            console.Error($"Run {runId} is still {run.State} (round {run.Round}/{run.Rounds}) after {timeout}.");
            return ExitCodes.Failure;
        }
        return run.State == "finished" ? ExitCodes.Success : ExitCodes.SomeItemsFailed;
    }

    private static string Status(TrainingRunView run)
    {
        var last = run.History.LastOrDefault(r => r.EvalLoss is not null || r.TrainLoss is not null);
        var loss = last is null ? "" : $", loss {last.TrainLoss:F3}{(last.EvalLoss is { } e ? $" / eval {e:F3}" : "")}";
        return $"{run.State}, round {Math.Min(run.Round, run.Rounds)}/{run.Rounds}{loss}";
    }
}
