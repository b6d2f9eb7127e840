using System.CommandLine;
using LvmCloud.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace LvmCloud.Cli.Commands;

/// <summary>One <c>lvm</c> sub-command: declares its options, then runs with the parsed values.</summary>
public abstract class LvmCommand(string name, string description)
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    /// <summary>Adds the command's arguments and options.</summary>
    protected abstract void Configure(Command command);

    /// <summary>Runs the command; returns an exit code from <see cref="ExitCodes"/>.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken);

    /// <summary>The command under its own name, its output service from <paramref name="services"/>.</summary>
    public virtual Command Build(IServiceProvider services) => Build(services, Name, hidden: false);

    /// <summary>
    /// The command under <paramref name="name"/>: a second, <paramref name="hidden"/> copy is how an old flat name
    /// (<c>lvm submit</c>) keeps working beside the new one (<c>lvm batches submit</c>) without showing in help.
    /// </summary>
    public virtual Command Build(IServiceProvider services, string name, bool hidden)
    {
        var outputs = services.GetRequiredService<CommandOutputFactory>();
        var command = new Command(name, Description) { Hidden = hidden };
        Configure(command);
        command.SetAction(async (parse, ct) =>
        {
            var console = outputs.Create(parse);
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
