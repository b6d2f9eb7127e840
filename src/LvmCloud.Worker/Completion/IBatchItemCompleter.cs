using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// The model pipeline as the worker sees it: the items of one message go in as one generation batch, one
/// output per item comes back (same order). An item that cannot be completed (bad image, ...) reports its
/// <see cref="WorkItemOutput.Error"/>; an exception fails the whole message, which is then retried.
/// Implementations cache loaded models by <see cref="ModelReference"/> and seed sampling per item and
/// candidate, so a redo writes the same pixels.
/// </summary>
public interface IBatchItemCompleter
{
    Task<IReadOnlyList<WorkItemOutput>> CompleteAsync(IReadOnlyList<WorkItemInput> items, ModelReference model, CancellationToken cancellationToken);
}
