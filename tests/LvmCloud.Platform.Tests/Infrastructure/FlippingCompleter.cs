using System.Collections.Concurrent;
using LvmCloud.Core.Images;
using LvmCloud.Core.Results;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Completion;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Stands in for the model in the tests of the platform's plumbing (leases, poison, cancel, races, the HTTP API)
/// that need control over timing and failures. Everything around it is the real worker: the item runner reads the
/// real input PNGs (at 16 px) and writes the frames, contact sheets and result records. It returns the last prompt
/// frame mirrored, at the prompt's source size; deterministic. It records how often each item was completed, and can
/// be slowed down or made to throw. The end-to-end and CLI tests use the real model.
/// </summary>
public sealed class FlippingCompleter : IModelSource, IFrameCompleter
{
    public ConcurrentDictionary<string, int> Calls { get; } = new();
    public TimeSpan Delay { get; init; }
    public Exception? AlwaysThrow { get; init; }

    public int Resolution => 16;

    public Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) => Task.FromResult<IFrameCompleter>(this);

    public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
    {
        if (AlwaysThrow is not null)
            throw AlwaysThrow;
        if (Delay > TimeSpan.Zero)
            Task.Delay(Delay, cancellationToken).GetAwaiter().GetResult();
        var outputs = new List<CompletionOutput>();
        foreach (var input in items)
        {
            Calls.AddOrUpdate(input.Item.Id, 1, (_, n) => n + 1);
            var last = input.Frames[^1];
            var flipped = Mirror(last.Pixels).Resize(last.SourceWidth, last.SourceHeight);
            outputs.Add(new CompletionOutput(input.Item.Id, [[flipped]], null, new ResultTimings(0, 0, 0, 0, 0), input.Item.Seed, null, 256));
        }
        return outputs;
    }

    private static RgbImage Mirror(RgbImage image)
    {
        var mirrored = new RgbImage(image.Width, image.Height);
        for (int c = 0; c < RgbImage.Channels; c++)
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    mirrored.Data[(c * image.Height + y) * image.Width + x] = image[c, y, image.Width - 1 - x];
        return mirrored;
    }
}
