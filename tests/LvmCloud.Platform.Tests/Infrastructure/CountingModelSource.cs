using System.Collections.Concurrent;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Completion;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// The real models (<see cref="ModelCache"/>), watched: every call of a model's completer is recorded with the item
/// ids it completed, so a test can see how items were batched. <see cref="FailFor"/> injects a model crash on every
/// call that holds that item (the real model has no input that crashes it), then the real model does nothing.
/// </summary>
public sealed class CountingModelSource(IModelSource inner) : IModelSource
{
    /// <summary>Item ids of each completer call, in call order.</summary>
    public ConcurrentQueue<IReadOnlyList<string>> Calls { get; } = new();

    /// <summary>An item whose presence makes a call throw "model exploded".</summary>
    public string? FailFor { get; init; }

    public async Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) =>
        new Counting(await inner.OpenAsync(model, cancellationToken), this);

    private sealed class Counting(IFrameCompleter completer, CountingModelSource owner) : IFrameCompleter
    {
        public int Resolution => completer.Resolution;

        public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
        {
            owner.Calls.Enqueue(items.Select(i => i.Item.Id).ToList());
            if (owner.FailFor is { } bad && items.Any(i => i.Item.Id == bad))
                throw new InvalidOperationException("model exploded");
            return completer.Complete(items, cancellationToken);
        }
    }
}
