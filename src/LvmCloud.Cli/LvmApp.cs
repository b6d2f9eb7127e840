using System.CommandLine;
using LvmCloud.Cli.Commands;
using LvmCloud.Cli.Commands.Platform;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli;

/// <summary>Builds the <c>lvm</c> command tree and runs it.</summary>
public static class LvmApp
{
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Print machine-readable JSON on stdout (people's text goes to stderr).", Recursive = true };

    public static IReadOnlyList<LvmCommand> Commands() =>
    [
        new TokenizeCommand(),
        new DetokenizeCommand(),
        new GenerateCommand(),
        new PerplexityCommand(),
        new ModelsCommand(),
        new CompleteCommand(),
        new Commands.Training.FashionMnistDatasetCommand(),
        new Commands.Training.TrainTokenizerCommand(),
        new Commands.Training.TokenizeDatasetCommand(),
        new Commands.Training.TrainCommand(),
        new Commands.Training.AssembleModelCommand(),
        new Commands.Training.EvalCommand(),
        new SubmitCommand(),
        new StatusCommand(),
        new WaitCommand(),
        new FetchCommand(),
        new Commands.Platform.Datasets.DatasetsCommand(),
        new TrainSubmitCommand(),
        new TrainStatusCommand(),
        new TrainWaitCommand(),
        new TrainCancelCommand(),
        new TrainResumeCommand(),
    ];

    public static RootCommand BuildRoot() => BuildRoot(parse => new ConsoleInteraction(parse.GetValue(JsonOption)));

    /// <summary>The command tree with console output going through <paramref name="consoleFactory"/>.</summary>
    public static RootCommand BuildRoot(Func<ParseResult, IConsoleInteraction> consoleFactory)
    {
        var root = new RootCommand("lvm — Large Vision Models: tokenize images, generate visual sentences, complete batches.");
        root.Options.Add(JsonOption);
        foreach (var command in Commands())
            root.Subcommands.Add(command.Build(consoleFactory));
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        LvmCloud.Vision.Native.TorchRuntime.EnsureLoaded();
        return await BuildRoot().Parse(args).InvokeAsync();
    }
}
