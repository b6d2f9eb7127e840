using System.CommandLine;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli.Commands;

/// <summary>A command that only groups others (<c>lvm datasets upload|status|tokenize|fetch-tokens</c>): each sub-command runs on its own.</summary>
public abstract class LvmCommandGroup(string name, string description, IReadOnlyList<LvmCommand> subcommands) : LvmCommand(name, description)
{
    public IReadOnlyList<LvmCommand> Subcommands { get; } = subcommands;

    public sealed override Command Build(Func<ParseResult, IConsoleInteraction> consoleFactory)
    {
        var command = new Command(Name, Description);
        foreach (var sub in Subcommands)
            command.Subcommands.Add(sub.Build(consoleFactory));
        return command;
    }

    protected sealed override void Configure(Command command)
    {
    }

    protected sealed override Task<int> ExecuteAsync(ParseResult parse, IConsoleInteraction console, CancellationToken cancellationToken) =>
        Task.FromResult(ExitCodes.InvalidInput);
}
