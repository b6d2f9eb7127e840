using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary>
/// <c>lvm batches status BATCH</c>: the batch's state, counts by item state, and the failed items' reasons (the first
/// <see cref="FailuresShown"/>). Without a batch it lists the batches, newest first, as <c>lvm batches list</c> does.
/// </summary>
public sealed class BatchesStatusCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "status", "Show a submitted batch's state, item counts and errors; without a batch id, list the batches.")
{
    /// <summary>Failed items whose reasons are printed (the counts cover all).</summary>
    public const int FailuresShown = 100;

    private readonly Argument<string?> _batch = new("BATCH") { Description = "The batch id printed by 'lvm batches submit' (none: list the batches, newest first).", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<int> _limit = new("--limit") { Description = "Batches listed (without BATCH).", DefaultValueFactory = _ => 20 };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_batch);
        command.Options.Add(_limit);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_batch) is not { Length: > 0 } batchId)
            return await BatchesListCommand.ListAsync(api, Math.Max(1, parse.GetValue(_limit)), console, cancellationToken);
        var status = await api.GetStatusAsync(batchId, cancellationToken, itemState: "failed", pageSize: FailuresShown);
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
    internal static void Report(BatchStatusView status, CommandOutput console)
    {
        console.Table(
            $"Batch {status.BatchId}: {status.State}{(status.CancelRequested && status.State != "cancelled" ? " (cancel requested)" : "")}",
            ["state", "items"],
            status.Counts.Where(c => c.Value > 0).Select(c => (IReadOnlyList<string>)[c.Key, c.Value.ToString(CultureInfo.InvariantCulture)]));
        foreach (var item in status.Items.Where(i => i.State == "failed"))
            console.Info(item.ErrorCode is null ? $"{item.Id}: {item.Error}" : $"{item.Id}: [{item.ErrorCode}] {item.Error}");
        if (status.Count("failed") > status.Items.Count(i => i.State == "failed") && status.Items.Count > 0)
            console.Info($"... and {status.Count("failed") - status.Items.Count(i => i.State == "failed")} more failed items (GET /api/batches/{status.BatchId}?state=failed pages through them).");
    }
}
