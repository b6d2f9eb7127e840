using System.CommandLine;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli.Output;

/// <summary>Makes each invocation's <see cref="CommandOutput"/> over the console that <paramref name="consoleFactory"/> opens for the parsed command line.</summary>
public sealed class CommandOutputFactory(Func<ParseResult, IConsoleInteraction> consoleFactory)
{
    public CommandOutput Create(ParseResult parse) => new(consoleFactory(parse));
}
