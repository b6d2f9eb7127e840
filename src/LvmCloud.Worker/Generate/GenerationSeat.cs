using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// A message's place in <see cref="GenerationBatcher"/>: announced when the message starts, used up when its items are
/// submitted, or given up (disposed) when it has nothing to run, so that no batch waits for it.
/// </summary>
public sealed class GenerationSeat : IDisposable
{
    private readonly ModelLane _lane;
    private int _used;

    internal GenerationSeat(ModelLane lane)
    {
        _lane = lane;
        lane.Announce();
    }

    internal Task<IReadOnlyList<CompletedItem>> SubmitAsync(BatchItemRunner runner, IReadOnlyList<CompletionInput> inputs, int rows, CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _used, 1) == 0
            ? _lane.SubmitAsync(runner, inputs, rows, cancellationToken)
            : throw new InvalidOperationException("This seat's items were already submitted.");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _used, 1) == 0)
            _lane.Leave();
    }
}
