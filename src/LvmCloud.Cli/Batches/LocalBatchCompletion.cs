using System.Diagnostics;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Reports;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Batches;

namespace LvmCloud.Cli.Batches;

/// <summary>
/// Bulk completion of a batch on local folders — the same layout as a batch in blob storage: a manifest, its
/// <c>inputs/</c>, and an output folder with <c>items/{id}/</c> frames, contact sheets and <c>result.json</c>,
/// <c>results.jsonl</c> (one record per manifest line, in line order) and <c>gallery.html</c>. Items run through
/// <see cref="BatchItemRunner"/>, the code the queue worker runs, <paramref name="itemsPerRun"/> at a time. A bad line
/// or image fails its item alone; cancellation marks the items not yet run as cancelled and still writes the results.
/// </summary>
public sealed class LocalBatchCompletion(IFrameCompleter completer, int itemsPerRun = 16)
{
    public const string ResultsFileName = "results.jsonl";
    public const string GalleryFileName = "gallery.html";

    public LocalBatchSummary Run(string manifestPath, string imagesDirectory, string outputDirectory, Action<int>? onItemsDone = null, CancellationToken cancellationToken = default) =>
        RunAsync(manifestPath, imagesDirectory, outputDirectory, onItemsDone, cancellationToken).GetAwaiter().GetResult();

    public async Task<LocalBatchSummary> RunAsync(string manifestPath, string imagesDirectory, string outputDirectory, Action<int>? onItemsDone = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var manifest = ReadManifest(manifestPath);
        Directory.CreateDirectory(outputDirectory);
        var inputs = new FolderStore(imagesDirectory);
        var outputs = new FolderStore(outputDirectory);
        var runner = new BatchItemRunner(completer);
        var records = new Dictionary<int, ResultRecord>(); // by line number
        foreach (var invalid in manifest.Invalid)
        {
            records[invalid.LineNumber] = ResultRecord.Failed(invalid.ResultId, invalid.Reason, invalid.Error);
            onItemsDone?.Invoke(1);
        }

        var items = manifest.Items;
        var lines = items.ToDictionary(i => i.Id, i => i.LineNumber);
        foreach (var chunk in items.Chunk(itemsPerRun))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                foreach (var item in chunk)
                    records[item.LineNumber] = new ResultRecord(item.Id, ResultStatus.Cancelled, "cancelled", "the run was cancelled before this item started", [], null, null, item.Seed, null);
                onItemsDone?.Invoke(chunk.Length);
                continue;
            }
            await runner.RunAsync(chunk, inputs, outputs, run =>
            {
                records[lines[run.ItemId]] = run.Record;
                onItemsDone?.Invoke(1);
            }, CancellationToken.None);
        }

        var ordered = records.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        string resultsPath = Path.Combine(outputDirectory, ResultsFileName);
        await File.WriteAllTextAsync(resultsPath, ResultsJsonl.ToJsonl(ordered), CancellationToken.None);
        string galleryPath = Path.Combine(outputDirectory, GalleryFileName);
        string inputsPrefix = Path.GetRelativePath(outputDirectory, imagesDirectory).Replace('\\', '/').TrimEnd('/') + "/";
        var byId = items.ToDictionary(i => i.Id);
        var entries = ordered.Select(r => GalleryEntry.For(r, byId.GetValueOrDefault(r.Id), inputsPrefix)).ToList();
        string title = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(manifestPath))) ?? "batch";
        await File.WriteAllTextAsync(galleryPath, GalleryWriter.Write(title, entries), CancellationToken.None);
        return new LocalBatchSummary(ordered, resultsPath, galleryPath, clock.Elapsed);
    }

    private static ParsedManifest ReadManifest(string manifestPath)
    {
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"Manifest '{manifestPath}' not found.");
        string batchJsonPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, "batch.json");
        var limits = ManifestLimits.Default;
        // Refused by its length before a byte is read: a 1 GB manifest is never loaded.
        if (BatchManifestParser.RefuseBySize(new FileInfo(manifestPath).Length, limits) is { } tooLarge)
            return tooLarge;
        string? batchJson = File.Exists(batchJsonPath) ? BoundedText.ReadFile(batchJsonPath, limits.MaxBatchJsonBytes) : null;
        return BatchManifestParser.Parse(BoundedText.ReadFile(manifestPath, limits.MaxManifestBytes), batchJson, limits);
    }
}
