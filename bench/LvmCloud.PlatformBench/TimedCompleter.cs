using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Worker.Completion;

namespace LvmCloud.PlatformBench;

/// <summary>The real completer, timed: everything inside it (image decode, the model, PNG encode) counts as model time.</summary>
internal sealed class TimedCompleter(IBatchItemCompleter inner) : IBatchItemCompleter
{
    private long _ticks;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public async Task<IReadOnlyList<WorkItemOutput>> CompleteAsync(IReadOnlyList<WorkItemInput> items, ModelReference model, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.CompleteAsync(items, model, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    }
}
