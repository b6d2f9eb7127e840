using System.CommandLine;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands;

/// <summary>A command that only groups others (<c>lvm datasets upload|status|tokenize|fetch-tokens|list</c>): each sub-command runs on its own.</summary>
public abstract class LvmCommandGroup(string name, string description, IReadOnlyList<LvmCommand> subcommands) : LvmCommand(name, description)
{
    public IReadOnlyList<LvmCommand> Subcommands { get; } = subcommands;

    /// <summary>The sub-command named <paramref name="name"/>.</summary>
    public LvmCommand Subcommand(string name) =>
        Subcommands.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"'lvm {Name}' has no sub-command '{name}'.", nameof(name));

    public sealed override Command Build(IServiceProvider services, string name, bool hidden)
    {
        var command = new Command(name, Description) { Hidden = hidden };
        foreach (var sub in Subcommands)
            command.Subcommands.Add(sub.Build(services));
        return command;
    }

    protected sealed override void Configure(Command command)
    {
    }

    protected sealed override Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken) =>
        Task.FromResult(ExitCodes.InvalidInput);
}
