using System.Diagnostics;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Reports;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Vision.Batches;

/// <summary>
/// Runs batch items, the same way for <c>lvm complete</c> (folders) and the queue worker (blob prefixes): reads each
/// item's prompt and target images from <c>inputs</c> (limits checked, a bad image fails its item alone), completes
/// them together with the <see cref="IFrameCompleter"/>, and writes under <c>outputs</c> each new frame
/// (<see cref="OutputNames"/>), a contact sheet and <c>items/{id}/result.json</c> (for every item that reached the
/// model; an item whose images are refused gets its record only). The result records name outputs
/// relative to <c>outputs</c>, so <c>results.jsonl</c> reads the same wherever the batch ran. Reads every input once
/// and writes every output once: work grows with the items. When the model runs out of memory on the items together,
/// they are run again in halves, down to one item: an item that does not fit alone fails with
/// <see cref="OutOfMemory.ErrorCode"/> and the others complete (sampling is seeded per item, so a smaller batch
/// samples the same way). The three steps (<see cref="LoadAsync"/>, <see cref="Complete"/>, <see cref="WriteAsync"/>)
/// are public so that the worker can load and write each message's items on its own and complete the items of
/// several messages in one call.
/// </summary>
public sealed class BatchItemRunner(IFrameCompleter completer, ImageLimits? limits = null)
{
    public const string ResultFileName = "result.json";
    private readonly ImageLimits _limits = limits ?? ImageLimits.Default;

    /// <summary>Path of an item's result record under the outputs root.</summary>
    public static string ResultPath(string itemId) => $"{OutputNames.ItemFolder(itemId)}/{ResultFileName}";

    /// <param name="onItemDone">Hears each item as its record is ready.</param>
    public async Task<IReadOnlyList<ItemRun>> RunAsync(
        IReadOnlyList<BatchItem> items, IFileStore inputs, IFileStore outputs, Action<ItemRun>? onItemDone = null, CancellationToken cancellationToken = default)
    {
        var loaded = await LoadAsync(items, inputs, onItemDone, cancellationToken);
        var completed = loaded.Inputs.Count == 0
            ? []
            : await Task.Run(() => Complete(loaded.Inputs, cancellationToken), cancellationToken);
        return await WriteAsync(loaded, completed, outputs, onItemDone, cancellationToken);
    }

    /// <summary>
    /// The first step of <see cref="RunAsync"/>: reads each item's prompt and target images from <paramref name="inputs"/>.
    /// An item whose images are refused gets its record here; the others become <see cref="LoadedItems.Inputs"/>.
    /// </summary>
    public async Task<LoadedItems> LoadAsync(
        IReadOnlyList<BatchItem> items, IFileStore inputs, Action<ItemRun>? onItemDone = null, CancellationToken cancellationToken = default)
    {
        var loaded = new LoadedItems(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var clock = Stopwatch.StartNew();
            try
            {
                var frames = await LoadImagesAsync(inputs, item.Input, item.Sizing.Resize, cancellationToken);
                var targets = await LoadImagesAsync(inputs, item.Target, item.Sizing.Resize, cancellationToken);
                loaded.Loaded(i, new CompletionInput(item, frames, targets), clock.Elapsed.TotalMilliseconds);
            }
            catch (ImageRejectedException e)
            {
                // Refused before it ran, as intake refuses it on the platform: a record, no files.
                var run = new ItemRun(ResultRecord.Failed(item.Id, e.Reason, e.Message, item.Seed), 0, 0);
                loaded.Refused(i, run);
                onItemDone?.Invoke(run);
            }
        }
        return loaded;
    }

    /// <summary>
    /// The second step: the items completed together in one call of the model (synchronous, it computes), or in halves
    /// when together they do not fit in memory; an item that does not fit alone gets the error. One result per input,
    /// same order. The inputs may come from several <see cref="LoadAsync"/> calls (the worker gathers messages).
    /// </summary>
    public IReadOnlyList<CompletedItem> Complete(IReadOnlyList<CompletionInput> inputs, CancellationToken cancellationToken)
    {
        try
        {
            return completer.Complete(inputs, cancellationToken).Select(o => new CompletedItem(o, null)).ToList();
        }
        catch (Exception e) when (OutOfMemory.Is(e))
        {
            if (inputs.Count == 1)
                return [new CompletedItem(null, $"The model ran out of memory on this item alone ({e.GetType().Name}: {FirstLine(e.Message)}).")];
            int half = inputs.Count / 2;
            return [.. Complete(inputs.Take(half).ToList(), cancellationToken), .. Complete(inputs.Skip(half).ToList(), cancellationToken)];
        }
    }

    /// <summary>
    /// The last step: writes under <paramref name="outputs"/> each completed item's frames, contact sheet and
    /// <c>result.json</c> (<paramref name="completed"/> holds one result per <see cref="LoadedItems.Inputs"/>), and
    /// returns every item's run in item order.
    /// </summary>
    public async Task<IReadOnlyList<ItemRun>> WriteAsync(
        LoadedItems loaded, IReadOnlyList<CompletedItem> completed, IFileStore outputs, Action<ItemRun>? onItemDone = null, CancellationToken cancellationToken = default)
    {
        if (completed.Count != loaded.Inputs.Count)
            throw new ArgumentException($"{completed.Count} results for {loaded.Inputs.Count} loaded items.", nameof(completed));
        for (int k = 0; k < loaded.Inputs.Count; k++)
        {
            var input = loaded.Inputs[k];
            var (index, loadMs) = loaded.Slot(k);
            if (completed[k].Output is not { } output)
            {
                // Nothing was written for it; its record says why.
                var failed = new ItemRun(ResultRecord.Failed(input.Item.Id, OutOfMemory.ErrorCode, completed[k].Error!, input.Item.Seed), 0, 0);
                loaded.Finished(index, failed);
                onItemDone?.Invoke(failed);
                continue;
            }
            var run = await WriteAsync(outputs, input, output, loadMs, cancellationToken);
            loaded.Finished(index, await FinishAsync(outputs, run, onItemDone, cancellationToken));
        }
        return loaded.Runs();
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private async Task<List<LoadedImage>> LoadImagesAsync(IFileStore inputs, IReadOnlyList<string> paths, ResizeMode resize, CancellationToken cancellationToken)
    {
        var images = new List<LoadedImage>(paths.Count);
        foreach (var path in paths)
        {
            Stream stream;
            try
            {
                stream = await inputs.OpenReadAsync(path, cancellationToken);
            }
            catch (FileNotFoundException)
            {
                throw new ImageRejectedException(path, ImageRejectReason.NotFound, "no such file.");
            }
            await using (stream)
                images.Add(ImageLoader.LoadForModel(stream, completer.Resolution, resize, _limits, path));
        }
        return images;
    }

    private static async Task<ItemRun> WriteAsync(IFileStore outputs, CompletionInput input, CompletionOutput output, double loadMs, CancellationToken cancellationToken)
    {
        var item = input.Item;
        var timings = output.Timings with { LoadMs = loadMs, TotalMs = output.Timings.TotalMs + loadMs };
        double modelMs = output.Timings.TotalMs;
        if (output.Error is not null)
            return new ItemRun(new ResultRecord(item.Id, ResultStatus.Failed, output.ErrorCode ?? "invalid-item", output.Error, [], null, timings, item.Seed, null), 0, modelMs);

        var written = new List<string>();
        for (int c = 0; c < output.Candidates.Count; c++)
            for (int f = 0; f < output.Candidates[c].Count; f++)
            {
                string path = $"{OutputNames.ItemFolder(item.Id)}/{OutputNames.FrameName(item, c, f)}";
                await outputs.WriteBytesAsync(path, ImageWriter.ToPngBytes(output.Candidates[c][f]), ContentTypes.Png, cancellationToken);
                written.Add(path);
            }

        // The sheet shows every frame at the prompt's size (completions resized back to the source size are scaled to it).
        var promptSize = input.Frames[0].Pixels;
        var sheet = ContactSheet.Compose(
            input.Frames.Select(f => f.Pixels).ToList(),
            output.Candidates.Select(c => (IReadOnlyList<RgbImage>)c.Select(i => i.Width == promptSize.Width && i.Height == promptSize.Height ? i : i.Resize(promptSize.Width, promptSize.Height)).ToList()).ToList(),
            input.Target.Select(t => t.Pixels).ToList());
        string sheetPath = OutputNames.ContactSheet(item);
        await outputs.WriteBytesAsync(sheetPath, ImageWriter.ToPngBytes(sheet), ContentTypes.Png, cancellationToken);
        var record = new ResultRecord(item.Id, ResultStatus.Succeeded, null, null, written, sheetPath, timings, item.Seed, output.Perplexity);
        return new ItemRun(record, output.TokensGenerated, modelMs);
    }

    private static async Task<ItemRun> FinishAsync(IFileStore outputs, ItemRun run, Action<ItemRun>? onItemDone, CancellationToken cancellationToken)
    {
        await outputs.WriteTextAsync(ResultPath(run.ItemId), ResultsJsonl.Serialize(run.Record), ContentTypes.Json, cancellationToken);
        onItemDone?.Invoke(run);
        return run;
    }
}
