using System.CommandLine;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Reports;
using LvmCloud.Core.Results;
using LvmCloud.Vision.Batches;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary>
/// <c>lvm batches fetch BATCH --out DIR</c>: downloads a finished batch into the layout <c>lvm complete</c> writes:
/// every output file and contact sheet to <c>DIR/items/{itemId}/{file}</c>, each item's <c>result.json</c> beside them
/// (for every item that reached the model, as <see cref="BatchItemRunner"/> writes it), <c>DIR/results.jsonl</c> (the
/// same records, outputs relative to DIR) and <c>DIR/gallery.html</c> (the same page). Exits 1 when an item failed.
/// </summary>
public sealed class BatchesFetchCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "fetch", "Download a finished batch: results.jsonl, every output image and a gallery.")
{
    public const string ResultsFileName = "results.jsonl";
    public const string GalleryFileName = "gallery.html";
    private const int ParallelDownloads = 4;

    private readonly Argument<string> _batch = new("BATCH") { Description = "The batch id printed by 'lvm submit'." };
    private readonly Option<DirectoryInfo> _out = new("--out") { Description = "Folder to write into (created if missing).", Required = true };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_batch);
        command.Options.Add(_out);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var batchId = parse.GetValue(_batch)!;
        var outDir = parse.GetValue(_out)!.FullName;
        var results = await api.GetResultsAsync(batchId, cancellationToken);

        var downloads = new List<(Uri Url, string Path)>();
        var records = new List<ResultRecord>();
        foreach (var item in results.Items)
        {
            string Add(ResultOutputView output)
            {
                var relative = $"items/{item.Id}/{output.File}";
                if (item.Id.Contains('/') || output.File.Contains('/'))
                    throw new InvalidDataException($"The platform named an output '{relative}' with extra '/' segments.");
                if (RelativePath.Check(relative) is { } problem)
                    throw new InvalidDataException($"The platform named an output that is not a safe relative path: {problem.Message}.");
                downloads.Add((output.Url, Path.Combine(outDir, "items", item.Id, output.File)));
                return relative;
            }
            var outputs = item.Outputs.Select(Add).ToList();
            var sheet = item.ContactSheet is { } s ? Add(s) : null;
            records.Add(new ResultRecord(item.Id, ParseStatus(item.Status), item.ErrorCode, item.Error, outputs, sheet, item.Timings, item.Seed, item.Perplexity));
        }

        Directory.CreateDirectory(outDir);
        await console.WithProgressAsync("download", downloads.Count, async progress =>
        {
            await Parallel.ForEachAsync(
                downloads,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelDownloads, CancellationToken = cancellationToken },
                async (download, ct) =>
                {
                    await api.DownloadAsync(download.Url, download.Path, ct);
                    progress.Advance(1);
                });
            return downloads.Count;
        });

        // An item that reached the model has timings and a result.json beside its outputs, as 'lvm complete' writes it.
        foreach (var record in records.Where(r => r.Timings is not null))
            await File.WriteAllTextAsync(Path.Combine(outDir, BatchItemRunner.ResultPath(record.Id)), ResultsJsonl.Serialize(record), cancellationToken);

        var resultsPath = Path.Combine(outDir, ResultsFileName);
        await File.WriteAllTextAsync(resultsPath, ResultsJsonl.ToJsonl(records), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(outDir, GalleryFileName), GalleryWriter.Write($"Batch {batchId}", records, batchState: results.State), cancellationToken);

        var succeeded = records.Count(r => r.Status == ResultStatus.Succeeded);
        var failed = records.Count(r => r.Status == ResultStatus.Failed);
        var cancelled = records.Count(r => r.Status == ResultStatus.Cancelled);
        console.Write(new FetchAnswer(batchId, results.State, records.Count, succeeded, failed, cancelled, downloads.Count, outDir), () =>
        {
            console.Info($"Batch {batchId} ({results.State}): {succeeded} succeeded, {failed} failed, {cancelled} cancelled; {CommandOutput.Count(downloads.Count, "file")} in {outDir}");
            console.WriteLine(resultsPath);
        });
        return failed == 0 ? ExitCodes.Success : ExitCodes.SomeItemsFailed;
    }

    private static ResultStatus ParseStatus(string status) => status switch
    {
        "succeeded" => ResultStatus.Succeeded,
        "cancelled" => ResultStatus.Cancelled,
        "failed" => ResultStatus.Failed,
        _ => throw new InvalidDataException($"The platform reported an unknown item status '{status}'."),
    };

    private sealed record FetchAnswer(string BatchId, string State, int Items, int Succeeded, int Failed, int Cancelled, int Files, string Out);
}
