using System.Collections.Concurrent;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// Fills generation batches across <c>generate</c> messages. Each message's handler loads its own items' images and
/// writes its own outputs (under its own cancellation); in between, the loaded items of the messages that are in the
/// worker at the same time for the same model are completed together: one <see cref="BatchItemRunner.Complete"/> call
/// (one <see cref="IFrameCompleter.Complete"/>) of up to <see cref="GenerationBatchOptions.BatchRows"/> rows, run one
/// at a time per model while the next one gathers. Each message gets back exactly its own items' results, in its own
/// order, and goes on to its own finish transaction and delete. Sampling is seeded per item and candidate, and a row's
/// tokens do not depend on its batch-mates, so the pixels are the ones a message run alone makes.
/// </summary>
/// <remarks>
/// A handler announces itself first (<see cref="Announce"/>), before its storage work: the first request of a batch
/// waits for announced ones at most <see cref="GenerationBatchOptions.GatherWindow"/>, and not at all when none is
/// announced (one message at a time behaves as before: one message, one batch, no wait). Gathering costs a lock and a
/// list per request; nothing reads another message's items.
/// </remarks>
public sealed class GenerationBatcher(
    IOptions<GenerationBatchOptions> options,
    IOptions<WorkerOptions> worker,
    WorkerStats stats,
    TimeProvider time,
    ILogger<GenerationBatcher> logger)
{
    private readonly ConcurrentDictionary<ModelReference, ModelLane> _lanes = new();
    private readonly ImageLimits _limits = ImageLimits.Default with { MaxBytes = Math.Min(ImageLimits.Default.MaxBytes, worker.Value.MaxInputBytes) };

    /// <summary>
    /// Says that a message for <paramref name="model"/> is on its way, so that a batch gathering now waits for it.
    /// Dispose the seat when the message will not run anything after all; <see cref="RunAsync"/> uses it up.
    /// </summary>
    public GenerationSeat Announce(ModelReference model) =>
        new(_lanes.GetOrAdd(model, m => new ModelLane(m, options.Value, stats, time, logger)));

    /// <summary>
    /// Runs one message's items: loads their images from <paramref name="inputs"/> (a refused image fails its item
    /// alone), completes the loaded ones in a generation batch shared with other messages, and writes their frames,
    /// contact sheets and <c>result.json</c> to <paramref name="outputs"/>. One run per item, in item order. When the
    /// shared model call throws, this message gets the exception only if its own items fail alone too.
    /// </summary>
    /// <param name="cancellationToken">This message's: cancelling it abandons only its own items.</param>
    public async Task<IReadOnlyList<ItemRun>> RunAsync(
        GenerationSeat seat, IFrameCompleter completer, IReadOnlyList<BatchItem> items, IFileStore inputs, IFileStore outputs, CancellationToken cancellationToken)
    {
        var runner = new BatchItemRunner(completer, _limits);
        IReadOnlyList<CompletedItem> completed;
        LoadedItems loaded;
        using (seat)
        {
            loaded = await runner.LoadAsync(items, inputs, cancellationToken: cancellationToken);
            completed = loaded.Inputs.Count == 0
                ? []
                : await seat.SubmitAsync(runner, loaded.Inputs, loaded.Rows, cancellationToken);
        }
        return await runner.WriteAsync(loaded, completed, outputs, cancellationToken: cancellationToken);
    }
}
