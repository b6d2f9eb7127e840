namespace LvmCloud.Vision.Kernels;

/// <summary>
/// Splits a range into contiguous, equal parts and runs them on the caller plus a few dedicated background threads: the
/// thread partitioner of the decode kernel. A decode step makes a few hundred calls of 0.1-3 ms each, so a call must not
/// allocate or wait for the .NET thread pool to grow; the workers block on a semaphore (after a short spin) between calls.
/// One call runs at a time: a caller that finds the workers busy runs its whole range itself rather than wait.
/// </summary>
public sealed class RangeWorkers : IDisposable
{
    private readonly Thread[] threads;
    private readonly SemaphoreSlim[] starts;
    private readonly Lock gate = new();
    private IRangeWork? work;
    private int count;
    private int parts;
    private int pending;
    private Exception? failure;
    private volatile bool disposed;

    /// <param name="parallelism">Parts a range may be split into: the caller plus <c>parallelism − 1</c> threads.</param>
    public RangeWorkers(int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        starts = new SemaphoreSlim[parallelism - 1];
        threads = new Thread[parallelism - 1];
        for (int i = 0; i < threads.Length; i++)
        {
            int part = i + 1;
            starts[i] = new SemaphoreSlim(0);
            threads[i] = new Thread(() => Loop(part)) { IsBackground = true, Name = $"{nameof(RangeWorkers)} {part}" };
            threads[i].Start();
        }
    }

    /// <summary>One per process, as wide as the CPUs this process may use.</summary>
    public static RangeWorkers Shared { get; } = new(Environment.ProcessorCount);

    /// <summary>The most parts a range is split into.</summary>
    public int Parallelism => threads.Length + 1;

    /// <summary>
    /// Runs <paramref name="work"/> over <c>[0, total)</c>, in as many parts as <see cref="Parallelism"/> allows with at
    /// least <paramref name="minPerPart"/> items each, and returns when every part is done.
    /// </summary>
    public void Run(int total, int minPerPart, IRangeWork work)
    {
        int wanted = Math.Clamp(total / Math.Max(minPerPart, 1), 1, Parallelism);
        if (wanted == 1 || disposed || !gate.TryEnter())
        {
            work.Execute(0, total);
            return;
        }
        try
        {
            this.work = work;
            count = total;
            parts = wanted;
            failure = null;
            Volatile.Write(ref pending, wanted - 1);
            for (int part = 1; part < wanted; part++) starts[part - 1].Release();
            work.Execute(Start(0), Start(1));
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (failure is { } e) throw new AggregateException($"A {nameof(RangeWorkers)} part failed.", e);
        }
        finally
        {
            this.work = null;
            gate.Exit();
        }
    }

    private int Start(int part) => (int)((long)count * part / parts);

    private void Loop(int part)
    {
        while (true)
        {
            starts[part - 1].Wait();
            if (disposed) return;
            try
            {
                work!.Execute(Start(part), Start(part + 1));
            }
            catch (Exception e)
            {
                failure = e;
            }
            Interlocked.Decrement(ref pending);
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var start in starts) start.Release();
        foreach (var thread in threads) thread.Join();
        foreach (var start in starts) start.Dispose();
    }
}
