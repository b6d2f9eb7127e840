using System.Collections.Concurrent;
using LvmCloud.Platform.Queues;
using LvmCloud.Worker.Completion;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Stands in for the model pipeline in the tests of the platform's plumbing (leases, poison, cancel, races, the
/// HTTP API) that need control over timing and failures: real image work on the real input bytes (decode the
/// last prompt PNG with ImageSharp, flip it, encode a PNG), deterministic. It records how often each item was
/// completed, and can be slowed down or made to throw. The end-to-end and CLI tests use the real pipeline.
/// </summary>
public sealed class FlippingCompleter : IBatchItemCompleter
{
    public ConcurrentDictionary<string, int> Calls { get; } = new();
    public TimeSpan Delay { get; init; }
    public Exception? AlwaysThrow { get; init; }

    public async Task<IReadOnlyList<WorkItemOutput>> CompleteAsync(IReadOnlyList<WorkItemInput> items, ModelReference model, CancellationToken cancellationToken)
    {
        if (AlwaysThrow is not null)
            throw AlwaysThrow;
        if (Delay > TimeSpan.Zero)
            await Task.Delay(Delay, cancellationToken);

        var outputs = new List<WorkItemOutput>();
        foreach (var item in items)
        {
            Calls.AddOrUpdate($"{item.BatchId}/{item.ItemId}", 1, (_, n) => n + 1);
            try
            {
                using var image = Image.Load<Rgb24>(item.Inputs[^1].Bytes.Span);
                image.Mutate(x => x.Flip(FlipMode.Horizontal));
                using var png = new MemoryStream();
                await image.SaveAsPngAsync(png, cancellationToken);
                outputs.Add(new WorkItemOutput(item.ItemId, [new OutputImage(item.Item.Output, png.ToArray())], TokensGenerated: 256));
            }
            catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException)
            {
                outputs.Add(WorkItemOutput.Failed(item.ItemId, $"Input '{item.Inputs[^1].Path}' could not be decoded: {e.Message}"));
            }
        }
        return outputs;
    }
}
