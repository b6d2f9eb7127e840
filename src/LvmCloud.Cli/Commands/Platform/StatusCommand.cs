using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Interaction;

namespace LvmCloud.Cli.Commands.Platform;

/// <summary><c>lvm status BATCH</c>: the batch's state, counts by item state, and the failed items' reasons.</summary>
public sealed class StatusCommand() : PlatformCommand("status", "Show a submitted batch's state, item counts and errors.")
{
    private readonly Argument<string> _batch = new("BATCH") { Description = "The batch id printed by 'lvm submit'." };

    protected override void ConfigureCommand(Command command) => command.Arguments.Add(_batch);

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, IConsoleInteraction console, CancellationToken cancellationToken)
    {
        var status = await api.GetStatusAsync(parse.GetValue(_batch)!, cancellationToken);
        if (console.JsonOutput)
        {
            console.WriteJson(status);
            return ExitCodes.Success;
        }

        Report(status, console);
        console.WriteLine($"{status.BatchId} {status.State} {status.Done}/{status.Total}");
        return ExitCodes.Success;
    }

    /// <summary>The people's view of a status on stderr: counts, then each failed item with its reason.</summary>
    internal static void Report(BatchStatusView status, IConsoleInteraction console)
    {
        console.Table(
            $"Batch {status.BatchId}: {status.State}{(status.CancelRequested && status.State != "cancelled" ? " (cancel requested)" : "")}",
            ["state", "items"],
            status.Counts.Where(c => c.Value > 0).Select(c => (IReadOnlyList<string>)[c.Key, c.Value.ToString(CultureInfo.InvariantCulture)]));
        foreach (var item in status.Items.Where(i => i.State == "failed"))
            console.Info($"{item.Id}: {item.Error}");
    }
}
