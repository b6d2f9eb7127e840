using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Worker.Completion;

/// <summary>A loaded model with its pipeline; runs are serialised (one generation batch at a time per model).</summary>
public sealed class LoadedModel(ModelReference reference, LvmModel model) : IDisposable
{
    public ModelReference Reference { get; } = reference;
    public LvmModel Model { get; } = model;
    public CompletionPipeline Pipeline { get; } = new(model);

    /// <summary>The pipeline behind a lock: several queue loops may share one model.</summary>
    public IFrameCompleter Completer => _completer ??= new SerializedCompleter(Pipeline);

    private IFrameCompleter? _completer;

    public void Dispose() => Model.Dispose();

    private sealed class SerializedCompleter(IFrameCompleter inner) : IFrameCompleter
    {
        private readonly Lock _gate = new();

        public int Resolution => inner.Resolution;

        public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
        {
            lock (_gate)
                return inner.Complete(items, cancellationToken);
        }
    }
}
