using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary><c>lvm train-status RUN</c>: the run's state, its rounds (losses, time split) and the current round's shard jobs.</summary>
public sealed class RunsStatusCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "status", "Show a training run: state, loss and time per round, the current round's shard jobs.")
{
    private readonly Argument<string> _run = new("RUN") { Description = "The run id printed by 'lvm train-submit'." };

    protected override void ConfigureCommand(Command command) => command.Arguments.Add(_run);

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var run = await api.GetTrainingAsync(parse.GetValue(_run)!, cancellationToken);
        if (console.JsonOutput)
        {
            console.WriteJson(run);
            return ExitCodes.Success;
        }
        TrainingReport.Print(run, console);
        console.WriteLine(TrainingReport.Line(run));
        return ExitCodes.Success;
    }
}
