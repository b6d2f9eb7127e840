using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary>
/// <c>lvm batches cancel BATCH</c>: <c>POST /api/batches/{batchId}/cancel</c>. Items not yet started are cancelled,
/// running ones finish; prints the batch's summary (state and counts). A cancel that comes after every item finished
/// changes nothing, and a cancel that stopped no item says so (the answer's <c>note</c>, on stderr; kept in <c>--json</c>).
/// </summary>
public sealed class BatchesCancelCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "cancel", "Cancel a submitted batch: items not yet started are cancelled, running ones finish; prints the batch's summary.")
{
    private readonly Argument<string> _batch = new("BATCH") { Description = "The batch id printed by 'lvm batches submit'." };

    protected override void ConfigureCommand(Command command) => command.Arguments.Add(_batch);

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var batch = await api.CancelBatchAsync(parse.GetValue(_batch)!, cancellationToken);
        console.Write(batch, () =>
        {
            var c = CultureInfo.InvariantCulture;
            console.Table($"Batch {batch.BatchId}: {batch.State}{(batch.CancelRequested && batch.State != "cancelled" ? " (cancel requested)" : "")}", ["state", "items"],
                batch.Counts.Where(n => n.Value > 0).Select(n => (IReadOnlyList<string>)[n.Key, n.Value.ToString(c)]));
            if (batch.Note is { } note)
                console.Info(note);
            console.WriteLine($"{batch.BatchId} {batch.State} {batch.Count("succeeded") + batch.Count("failed") + batch.Count("cancelled")}/{batch.Total}");
        });
        return ExitCodes.Success;
    }
}
