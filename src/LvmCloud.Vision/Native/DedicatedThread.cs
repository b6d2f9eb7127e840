using System.Collections.Concurrent;

namespace LvmCloud.Vision.Native;

/// <summary>
/// One thread of its own that runs work items one at a time, in order, for as long as the instance lives. The
/// training inner loop runs every step's tensor work on one such thread for the whole process, so that a step's large,
/// short-lived buffers always come from the same thread, whatever thread the awaited callbacks between steps
/// (progress, checkpoint uploads) resume on, and whichever job the step belongs to.
/// <para>
/// Why it matters: glibc gives each thread that allocates its own malloc arena (up to 8 per core), and with
/// <see cref="CpuAllocatorPolicy"/>'s tuned policy every arena keeps the largest working set it ever served. A step
/// that lands on a different thread-pool thread each time leaves a step's working set in each of up to 16 arenas: a
/// worker that ran four <c>fmnist_lm2</c> shards at batch 32 held 23 GB (docs/training.md, "Step speed and memory").
/// On one thread a step reuses the previous step's memory, and a job the previous job's, in one arena.
/// </para>
/// </summary>
public sealed class DedicatedThread : IDisposable
{
    private const int StackBytes = 8 << 20; // a main thread's stack: libtorch's autograd recurses on deep graphs

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    public DedicatedThread(string name)
    {
        _thread = new Thread(Loop, StackBytes) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The managed id of the thread that runs the work.</summary>
    public int ManagedThreadId => _thread.ManagedThreadId;

    /// <summary>Runs <paramref name="work"/> on the thread after everything queued before it; its result or exception completes the task.</summary>
    /// <exception cref="ObjectDisposedException">The thread was disposed.</exception>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        // Continuations must not run on the dedicated thread: the caller's code between steps belongs elsewhere.
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        ObjectDisposedException.ThrowIf(_work.IsAddingCompleted, this);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    private void Loop()
    {
        foreach (var work in _work.GetConsumingEnumerable())
            work();
    }

    /// <summary>Lets queued work finish, then ends the thread.</summary>
    public void Dispose()
    {
        if (_work.IsAddingCompleted) return;
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
            _thread.Join();
    }
}
