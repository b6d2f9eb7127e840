using System.CommandLine;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli.Commands;

/// <summary>One <c>lvm</c> sub-command: declares its options, then runs with the parsed values.</summary>
public abstract class LvmCommand(string name, string description)
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    /// <summary>Adds the command's arguments and options.</summary>
    protected abstract void Configure(Command command);

    /// <summary>Runs the command; returns an exit code from <see cref="ExitCodes"/>.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parse, IConsoleInteraction console, CancellationToken cancellationToken);

    public virtual Command Build(Func<ParseResult, IConsoleInteraction> consoleFactory)
    {
        var command = new Command(Name, Description);
        Configure(command);
        command.SetAction(async (parse, ct) =>
        {
            var console = consoleFactory(parse);
            try
            {
                return await ExecuteAsync(parse, console, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                console.Error("cancelled");
                return ExitCodes.Cancelled;
            }
            catch (Vision.Memory.ModelDoesNotFitException e)
            {
                console.Error(e.Message);
                return ExitCodes.ModelDoesNotFit;
            }
            catch (UserInputException e)
            {
                console.Error(e.Message);
                return ExitCodes.InvalidInput;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException)
            {
                console.Error(e.Message);
                return ExitCodes.InvalidInput;
            }
            catch (Exception e)
            {
                console.Error($"{e.GetType().Name}: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
