using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary><c>lvm wait BATCH</c>: polls the batch with a progress bar until it is finished or cancelled.</summary>
public sealed class BatchesWaitCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "wait", "Wait for a submitted batch to finish, showing progress.")
{
    private readonly Argument<string> _batch = new("BATCH") { Description = "The batch id printed by 'lvm submit'." };
    private readonly Option<string> _timeout = new("--timeout") { Description = "Give up after this long: seconds, or 90s, 5m, 2h, or hh:mm:ss (default: no limit)." };
    private readonly Option<string> _interval = new("--interval") { Description = "Time between polls (default 2s).", DefaultValueFactory = _ => "2s" };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_batch);
        command.Options.Add(_timeout);
        command.Options.Add(_interval);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var batchId = parse.GetValue(_batch)!;
        var timeout = parse.GetValue(_timeout) is { } t ? Durations.Parse(t, "--timeout") : (TimeSpan?)null;
        var interval = Durations.Parse(parse.GetValue(_interval)!, "--interval");
        var deadline = StatusPolling.Deadline(timeout);

        var status = await api.GetStatusAsync(batchId, cancellationToken, pageSize: 1);
        if (status.Total == 0 && !status.IsTerminal)
            console.Info($"Batch {batchId} is {status.State}: waiting for its manifest to be planned.");
        while (status.Total == 0 && !status.IsTerminal && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(interval, cancellationToken);
            status = await api.GetStatusAsync(batchId, cancellationToken, pageSize: 1);
        }

        var planned = status;
        status = await console.WithProgressAsync($"batch {batchId}", planned.Total, progress =>
            StatusPolling.PollAsync(progress, planned, ct => api.GetStatusAsync(batchId, ct, pageSize: 1),
                s => s.IsTerminal, s => s.Done, s => s.State, interval, deadline, cancellationToken));

        if (console.JsonOutput)
            console.WriteJson(status);
        if (!status.IsTerminal)
        {
            console.Error($"Batch {batchId} is still {status.State} ({status.Done}/{status.Total} items done) after {timeout}.");
            return ExitCodes.Failure;
        }

        status = await api.GetStatusAsync(batchId, cancellationToken, itemState: "failed", pageSize: BatchesStatusCommand.FailuresShown);
        BatchesStatusCommand.Report(status, console);
        if (!console.JsonOutput)
            console.WriteLine($"{status.BatchId} {status.State} {status.Done}/{status.Total}");
        return ExitCodeFor(status);
    }
}
