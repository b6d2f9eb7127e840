using LvmCloud.Core.Images;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Pipelines;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// The worker's model pipeline: <see cref="CompletionPipeline"/> (the engine of <c>lvm complete</c>) over a model
/// from <see cref="ModelStore"/>. Input images are decoded with <see cref="ImageLoader.LoadForModel(Stream, int, ResizeMode, ImageLimits, string)"/>
/// (limits checked again: a bad image fails its item only), the items of a message run as one
/// <see cref="CompletionPipeline.Run"/> call, and new frames become PNGs named by <see cref="OutputNames.FrameName"/>.
/// </summary>
public sealed class ModelCompleter(ModelStore models, ILogger<ModelCompleter> logger) : IBatchItemCompleter
{
    public async Task<IReadOnlyList<WorkItemOutput>> CompleteAsync(IReadOnlyList<WorkItemInput> items, ModelReference model, CancellationToken cancellationToken)
    {
        var loaded = await models.GetAsync(model, cancellationToken);
        var outputs = new WorkItemOutput?[items.Count];
        var runnable = new List<(int Index, CompletionInput Input)>();
        for (var i = 0; i < items.Count; i++)
        {
            try
            {
                runnable.Add((i, Decode(items[i], loaded.Model.Resolution)));
            }
            catch (ImageRejectedException e)
            {
                outputs[i] = WorkItemOutput.Failed(items[i].ItemId, e.Message);
            }
        }

        if (runnable.Count > 0)
        {
            await loaded.Gate.WaitAsync(cancellationToken);
            IReadOnlyList<CompletionOutput> completed;
            try
            {
                completed = await Task.Run(() => loaded.Pipeline.Run(runnable.Select(r => r.Input).ToList(), null, cancellationToken), cancellationToken);
            }
            finally
            {
                loaded.Gate.Release();
            }
            for (var r = 0; r < runnable.Count; r++)
                outputs[runnable[r].Index] = Encode(runnable[r].Input, completed[r]);
            logger.LogDebug("Model {Model} completed {Count} items", model, runnable.Count);
        }
        return outputs.Select(o => o!).ToList();
    }

    private static CompletionInput Decode(WorkItemInput input, int resolution)
    {
        var item = input.Item;
        return new CompletionInput(item, Load(input.Inputs, item.Sizing.Resize, resolution), Load(input.Targets, item.Sizing.Resize, resolution));
    }

    private static List<LoadedImage> Load(IReadOnlyList<InputImage> images, ResizeMode mode, int resolution)
    {
        var loaded = new List<LoadedImage>(images.Count);
        foreach (var image in images)
        {
            using var stream = new MemoryStream(image.Bytes.ToArray(), writable: false);
            loaded.Add(ImageLoader.LoadForModel(stream, resolution, mode, ImageLimits.Default, image.Path));
        }
        return loaded;
    }

    private static WorkItemOutput Encode(CompletionInput input, CompletionOutput output)
    {
        if (output.Error is not null)
            return new WorkItemOutput(output.ItemId, [], output.Error, ModelTime: TimeSpan.FromMilliseconds(output.Timings.TotalMs));
        var files = new List<OutputImage>();
        for (var c = 0; c < output.Candidates.Count; c++)
            for (var f = 0; f < output.Candidates[c].Count; f++)
                files.Add(new OutputImage(OutputNames.FrameName(input.Item, c, f), ImageWriter.ToPngBytes(output.Candidates[c][f])));
        return new WorkItemOutput(output.ItemId, files, null, output.Perplexity, output.TokensGenerated, TimeSpan.FromMilliseconds(output.Timings.TotalMs));
    }
}
