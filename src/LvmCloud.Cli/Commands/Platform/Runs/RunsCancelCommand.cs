using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary><c>lvm train-cancel RUN</c>: no new shard job starts; running ones finish and their round is merged.</summary>
public sealed class RunsCancelCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "cancel", "Cancel a training run: queued shard jobs are cancelled, running ones finish; resume continues it.")
{
    private readonly Argument<string> _run = new("RUN") { Description = "The run id." };

    protected override void ConfigureCommand(Command command) => command.Arguments.Add(_run);

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var run = await api.CancelTrainingAsync(parse.GetValue(_run)!, cancellationToken);
        if (console.JsonOutput)
            console.WriteJson(run);
        else
            console.WriteLine(TrainingReport.Line(run));
        return ExitCodes.Success;
    }
}
