using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// Where the generate handler gets the model a message names, ready to complete frames. The real one is
/// <see cref="ModelCache"/> (models loaded once, kept, runs on a model serialised); the tests of the platform's
/// plumbing put a controllable stand-in here.
/// </summary>
public interface IModelSource
{
    /// <exception cref="ModelNotFoundException">No such model (permanent).</exception>
    /// <exception cref="ModelLoadException">Its files do not load (permanent).</exception>
    Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken);
}
