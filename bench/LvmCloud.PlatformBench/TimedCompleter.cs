using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Completion;

namespace LvmCloud.PlatformBench;

/// <summary>The real models, timed: everything inside the model's completer (tokenize, generate, decode) counts as model time.</summary>
internal sealed class TimedCompleter(IModelSource inner) : IModelSource
{
    private long _ticks;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public async Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) =>
        new Timed(await inner.OpenAsync(model, cancellationToken), this);

    private sealed class Timed(IFrameCompleter completer, TimedCompleter owner) : IFrameCompleter
    {
        public int Resolution => completer.Resolution;

        public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return completer.Complete(items, cancellationToken);
            }
            finally
            {
                Interlocked.Add(ref owner._ticks, Stopwatch.GetElapsedTime(start).Ticks);
            }
        }
    }
}
