using System.Diagnostics;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Reports;
using LvmCloud.Core.Results;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Batches;

/// <summary>
/// Bulk completion of a batch on local folders — the same layout as a batch in blob storage: a manifest, its
/// <c>inputs/</c>, and an output folder with <c>items/{id}/</c> frames and contact sheets, <c>results.jsonl</c>
/// (one record per manifest line, in line order) and <c>gallery.html</c>. A bad line or image fails its item
/// alone; cancellation marks the items not yet run as cancelled and still writes the results.
/// </summary>
public sealed class LocalBatchCompletion(CompletionPipeline pipeline, int itemsPerRun = 16)
{
    public const string ResultsFileName = "results.jsonl";
    public const string GalleryFileName = "gallery.html";

    public LocalBatchSummary Run(string manifestPath, string imagesDirectory, string outputDirectory, Action<int>? onItemsDone = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var manifest = ReadManifest(manifestPath);
        Directory.CreateDirectory(outputDirectory);
        var records = new Dictionary<int, ResultRecord>(); // by line number
        foreach (var invalid in manifest.Invalid)
        {
            records[invalid.LineNumber] = ResultRecord.Failed(invalid.ResultId, invalid.Reason, invalid.Error);
            onItemsDone?.Invoke(1);
        }

        var items = manifest.Items;
        for (int start = 0; start < items.Count; start += itemsPerRun)
        {
            var chunk = items.Skip(start).Take(itemsPerRun).ToList();
            if (cancellationToken.IsCancellationRequested)
            {
                foreach (var item in chunk)
                    records[item.LineNumber] = new ResultRecord(item.Id, ResultStatus.Cancelled, "cancelled", "the run was cancelled before this item started", [], null, null, item.Seed, null);
                onItemsDone?.Invoke(chunk.Count);
                continue;
            }
            var inputs = new List<CompletionInput>();
            var loadMs = new Dictionary<string, double>();
            foreach (var item in chunk)
            {
                var itemClock = Stopwatch.StartNew();
                try
                {
                    var frames = item.Input.Select(p => Load(imagesDirectory, p, item.Sizing.Resize)).ToList();
                    var target = item.Target.Select(p => Load(imagesDirectory, p, item.Sizing.Resize)).ToList();
                    inputs.Add(new CompletionInput(item, frames, target));
                    loadMs[item.Id] = itemClock.Elapsed.TotalMilliseconds;
                }
                catch (ImageRejectedException e)
                {
                    records[item.LineNumber] = ResultRecord.Failed(item.Id, e.Reason, e.Message, item.Seed);
                    onItemsDone?.Invoke(1);
                }
            }
            var outputs = inputs.Count == 0 ? [] : pipeline.Run(inputs, new Progress<int>(_ => { }), CancellationToken.None);
            for (int i = 0; i < outputs.Count; i++)
            {
                var item = inputs[i].Item;
                records[item.LineNumber] = Write(outputDirectory, inputs[i], outputs[i], loadMs[item.Id]);
                onItemsDone?.Invoke(1);
            }
        }

        var ordered = records.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        string resultsPath = Path.Combine(outputDirectory, ResultsFileName);
        File.WriteAllText(resultsPath, ResultsJsonl.ToJsonl(ordered));
        string galleryPath = Path.Combine(outputDirectory, GalleryFileName);
        string inputsPrefix = Path.GetRelativePath(outputDirectory, imagesDirectory).Replace('\\', '/').TrimEnd('/') + "/";
        var byId = items.ToDictionary(i => i.Id);
        var entries = ordered.Select(r => GalleryEntry.For(r, byId.GetValueOrDefault(r.Id), inputsPrefix)).ToList();
        File.WriteAllText(galleryPath, GalleryWriter.Write(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(manifestPath))) ?? "batch", entries));
        return new LocalBatchSummary(ordered, resultsPath, galleryPath, clock.Elapsed);
    }

    private static ParsedManifest ReadManifest(string manifestPath)
    {
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"Manifest '{manifestPath}' not found.");
        string batchJsonPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, "batch.json");
        string? batchJson = File.Exists(batchJsonPath) ? File.ReadAllText(batchJsonPath) : null;
        return BatchManifestParser.Parse(File.ReadAllText(manifestPath), batchJson, ManifestLimits.Default);
    }

    private LoadedImage Load(string imagesDirectory, string relativePath, ResizeMode resize) =>
        ImageLoader.LoadForModel(Path.Combine(imagesDirectory, relativePath), pipeline.Model.Resolution, resize, ImageLimits.Default, relativePath);

    private static ResultRecord Write(string outputDirectory, CompletionInput input, CompletionOutput output, double loadMs)
    {
        var item = input.Item;
        var timings = output.Timings with { LoadMs = loadMs, TotalMs = output.Timings.TotalMs + loadMs };
        if (output.Error is not null)
            return new ResultRecord(item.Id, ResultStatus.Failed, "invalid-item", output.Error, [], null, timings, item.Seed, null);
        Directory.CreateDirectory(Path.Combine(outputDirectory, OutputNames.ItemFolder(item.Id)));
        var written = new List<string>();
        for (int c = 0; c < output.Candidates.Count; c++)
            for (int f = 0; f < output.Candidates[c].Count; f++)
            {
                string relative = $"{OutputNames.ItemFolder(item.Id)}/{OutputNames.FrameName(item, c, f)}";
                ImageWriter.SavePng(output.Candidates[c][f], Path.Combine(outputDirectory, relative));
                written.Add(relative);
            }
        string sheet = OutputNames.ContactSheet(item);
        ContactSheet.Write(Path.Combine(outputDirectory, sheet), input.Frames.Select(f => f.Pixels).ToList(),
            output.Candidates.Select(c => (IReadOnlyList<RgbImage>)c.Select(i => i.Width == input.Frames[0].Pixels.Width ? i : i.Resize(input.Frames[0].Pixels.Width, input.Frames[0].Pixels.Height)).ToList()).ToList(),
            input.Target.Select(t => t.Pixels).ToList());
        return new ResultRecord(item.Id, ResultStatus.Succeeded, null, null, written, sheet, timings, item.Seed, output.Perplexity);
    }
}
