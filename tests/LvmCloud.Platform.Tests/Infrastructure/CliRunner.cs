using LvmCloud.Cli;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>Runs <c>lvm</c> in-process with its real command tree, recording its console.</summary>
internal static class CliRunner
{
    public static async Task<(int Exit, RecordingConsole Console)> RunAsync(params string[] args)
    {
        var console = new RecordingConsole();
        var root = LvmApp.BuildRoot(parse =>
        {
            console.JsonOutput = parse.GetValue(LvmApp.JsonOption);
            return console;
        });
        var exit = await root.Parse(args).InvokeAsync();
        return (exit, console);
    }
}
