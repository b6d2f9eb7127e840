using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// Registered when no model pipeline is: the worker refuses to start rather than poisoning every message.
/// </summary>
internal sealed class PipelineNotWiredCompleter : IBatchItemCompleter
{
    public PipelineNotWiredCompleter() =>
        throw new InvalidOperationException(
            "No model pipeline is registered: add an IBatchItemCompleter to the worker's services before AddLvmWorker().");

    public Task<IReadOnlyList<WorkItemOutput>> CompleteAsync(IReadOnlyList<WorkItemInput> items, ModelReference model, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("unreachable");
}
