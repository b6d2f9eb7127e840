using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary>
/// <c>lvm datasets tokenize NAME [--force] [--tokenizer name/version] [--wait]</c>: plans a retokenization now (what
/// the schedule does), printing the run id; with <c>--wait</c>, follows the run with a progress bar over its chunks.
/// </summary>
public sealed class DatasetsTokenizeCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "tokenize", "Retokenize a dataset now: queue the chunks that are new or changed (--force: all).")
{
    private readonly Argument<string> _name = new("NAME") { Description = "The dataset." };
    private readonly Option<bool> _force = new("--force") { Description = "Redo every chunk, changed or not." };
    private readonly Option<string?> _tokenizer = new("--tokenizer") { Description = "The tokenizer as name/version (default: the platform's Tokenize:DefaultTokenizerName/Version)." };
    private readonly Option<bool> _wait = new("--wait") { Description = "Wait for the run to finish, showing progress." };
    private readonly Option<string> _timeout = new("--timeout") { Description = "With --wait: give up after this long (90s, 5m, 2h; default: no limit)." };
    private readonly Option<string> _interval = new("--interval") { Description = "With --wait: time between polls (default 2s).", DefaultValueFactory = _ => "2s" };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_name);
        foreach (var option in new Option[] { _force, _tokenizer, _wait, _timeout, _interval })
            command.Options.Add(option);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var name = parse.GetValue(_name)!;
        var timeout = parse.GetValue(_timeout) is { } t ? Durations.Parse(t, "--timeout") : (TimeSpan?)null;
        var interval = Durations.Parse(parse.GetValue(_interval)!, "--interval");
        var plan = await api.TokenizeDatasetAsync(name, parse.GetValue(_force), parse.GetValue(_tokenizer), cancellationToken);
        console.Info($"{plan.Dataset} with {plan.TokenizerId}: {plan.Status}. {plan.Message}");
        if (!parse.GetValue(_wait) || plan.RunId is null)
        {
            if (console.JsonOutput)
                console.WriteJson(plan);
            else
                console.WriteLine($"{plan.Dataset} {plan.TokenizerId} {plan.Status} {plan.RunId ?? "-"}");
            return ExitCodes.Success;
        }

        var deadline = StatusPolling.Deadline(timeout);
        var first = await FindRunAsync(api, plan, cancellationToken);
        var run = await console.WithProgressAsync($"{plan.Dataset} run {plan.RunId}", first?.ChunksTotal ?? plan.ChunksQueued, progress =>
            StatusPolling.PollAsync(progress, first, ct => FindRunAsync(api, plan, ct),
                r => r?.State == "finished", r => r?.ChunksDone ?? 0, r => r?.State, interval, deadline, cancellationToken));

        var status = await api.GetDatasetAsync(name, cancellationToken);
        if (console.JsonOutput)
            console.WriteJson(status);
        else
            DatasetsStatusCommand.Report(status, console);
        if (run?.State != "finished")
        {
            console.Error($"Run {plan.RunId} of {name} is still {run?.State ?? "unknown"} after {timeout}.");
            return ExitCodes.Failure;
        }
        if (!console.JsonOutput)
            console.WriteLine($"{plan.Dataset} {plan.TokenizerId} {run.Outcome} {plan.RunId}");
        return run.Outcome == "succeeded" ? ExitCodes.Success : ExitCodes.SomeItemsFailed;
    }

    /// <summary>The planned run as the dataset status shows it: in flight, or the last run once it finished.</summary>
    private static async Task<RunStatusView?> FindRunAsync(PlatformApiClient api, TokenizePlanView plan, CancellationToken cancellationToken)
    {
        var status = await api.GetDatasetAsync(plan.Dataset, cancellationToken);
        var tokenizer = status.Tokenizers.FirstOrDefault(t => t.TokenizerId == plan.TokenizerId);
        return new[] { tokenizer?.ActiveRun, tokenizer?.LastRun }.FirstOrDefault(r => r?.RunId == plan.RunId);
    }
}
