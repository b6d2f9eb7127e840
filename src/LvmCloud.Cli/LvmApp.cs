using System.CommandLine;
using LvmCloud.Cli.Commands;
using LvmCloud.Cli.Interaction;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Cli;

/// <summary>Builds the <c>lvm</c> command tree from its services and runs it.</summary>
public static class LvmApp
{
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Print machine-readable JSON on stdout, camelCase like the HTTP API (people's text goes to stderr).", Recursive = true };

    public static RootCommand BuildRoot() => BuildRoot(parse => new ConsoleInteraction(parse.GetValue(JsonOption)));

    /// <summary>The command tree with console output going through <paramref name="consoleFactory"/>.</summary>
    public static RootCommand BuildRoot(Func<ParseResult, IConsoleInteraction> consoleFactory)
    {
        // The container lives as long as the tree: its services are singletons without resources to release.
        var services = new ServiceCollection().AddLvmCli(consoleFactory).BuildServiceProvider();
        var root = new RootCommand(
            "lvm — Large Vision Models: complete batches, generate and tokenize locally; batches, datasets, training runs and models on the platform " +
            "('lvm GROUP --help' for each group).");
        root.Options.Add(JsonOption);
        services.GetRequiredService<LvmCommandTree>().AddTo(root, services);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        LvmCloud.Vision.Native.TorchRuntime.EnsureLoaded();
        return await BuildRoot().Parse(args).InvokeAsync();
    }
}
