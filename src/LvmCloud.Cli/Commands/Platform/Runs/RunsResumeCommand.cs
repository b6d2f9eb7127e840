using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary><c>lvm train-resume RUN</c>: a failed or cancelled run continues from its last merged round.</summary>
public sealed class RunsResumeCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "resume", "Resume a failed or cancelled training run from its last merged round.")
{
    private readonly Argument<string> _run = new("RUN") { Description = "The run id." };

    protected override void ConfigureCommand(Command command) => command.Arguments.Add(_run);

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var run = await api.ResumeTrainingAsync(parse.GetValue(_run)!, cancellationToken);
        if (console.JsonOutput)
            console.WriteJson(run);
        else
            console.WriteLine(TrainingReport.Line(run));
        return ExitCodes.Success;
    }
}
