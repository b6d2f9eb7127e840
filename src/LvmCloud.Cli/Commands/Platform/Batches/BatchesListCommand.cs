using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary><c>lvm batches list [--limit N]</c>: the batches, newest first, with state and counts; a line per batch (its whole id) on stdout.</summary>
public sealed class BatchesListCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "list", "List the batches, newest first, with their state and item counts.")
{
    private readonly Option<int> _limit = new("--limit") { Description = "Batches listed.", DefaultValueFactory = _ => 20 };

    protected override void ConfigureCommand(Command command) => command.Options.Add(_limit);

    protected override Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken) =>
        ListAsync(api, Math.Max(1, parse.GetValue(_limit)), console, cancellationToken);

    /// <summary>Pages through <c>GET /api/batches</c> until <paramref name="limit"/> batches; prints them as a table and a line each, or as JSON.</summary>
    internal static async Task<int> ListAsync(PlatformApiClient api, int limit, CommandOutput console, CancellationToken cancellationToken)
    {
        var batches = new List<BatchSummaryView>();
        string? token = null;
        do
        {
            var page = await api.ListBatchesAsync(Math.Min(100, limit - batches.Count), token, cancellationToken);
            batches.AddRange(page.Batches);
            token = page.ContinuationToken;
        }
        while (token is not null && batches.Count < limit);

        console.Write(batches, () =>
        {
            var c = CultureInfo.InvariantCulture;
            console.Table($"{CommandOutput.Count(batches.Count, "batch", "batches")}, newest first", ["batch", "state", "created", "items", "succeeded", "failed", "cancelled", "model"],
                batches.Select(b => (IReadOnlyList<string>)[b.BatchId, b.State, b.CreatedAt.ToString("yyyy-MM-dd HH:mm", c), b.Total.ToString(c),
                    b.Count("succeeded").ToString(c), b.Count("failed").ToString(c), b.Count("cancelled").ToString(c), b.Model ?? ""]));
            foreach (var b in batches)
                console.WriteLine($"{b.BatchId} {b.State} {b.Count("succeeded") + b.Count("failed") + b.Count("cancelled")}/{b.Total}");
        });
        return ExitCodes.Success;
    }
}
