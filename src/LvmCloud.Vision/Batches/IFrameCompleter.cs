using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Vision.Batches;

/// <summary>
/// What the item runner needs of a model: the resolution it reads images at, and new frames for loaded items.
/// <see cref="CompletionPipeline"/> is the real one. Calls are not concurrent (one generation batch at a time).
/// </summary>
public interface IFrameCompleter
{
    /// <summary>Side of the square images the model reads.</summary>
    int Resolution { get; }

    /// <summary>One output per input, same order; an item that cannot be completed reports its error in its output.</summary>
    IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken);
}
