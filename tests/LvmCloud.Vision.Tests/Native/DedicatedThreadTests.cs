using LvmCloud.Vision.Native;

namespace LvmCloud.Vision.Tests.Native;

public sealed class DedicatedThreadTests
{
    [Fact]
    public async Task Work_runs_in_order_on_its_own_thread_whatever_thread_queues_it()
    {
        using var thread = new DedicatedThread("test-steps");
        var ran = new List<(int Item, int ThreadId)>();
        var queued = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await Task.Delay(i % 3); // queue from several pool threads
            return await thread.RunAsync(() =>
            {
                lock (ran) ran.Add((i, Environment.CurrentManagedThreadId));
                return i * i;
            });
        })).ToList();

        var results = await Task.WhenAll(queued);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * i), results);
        Assert.All(ran, r => Assert.Equal(thread.ManagedThreadId, r.ThreadId));
        Assert.NotEqual(Environment.CurrentManagedThreadId, thread.ManagedThreadId);
    }

    [Fact]
    public async Task Items_queued_from_one_caller_run_in_the_order_queued()
    {
        using var thread = new DedicatedThread("test-order");
        var order = new List<int>();
        var tasks = Enumerable.Range(0, 50).Select(i => thread.RunAsync(() => { order.Add(i); return i; })).ToList();
        await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(0, 50), order);
    }

    [Fact]
    public async Task A_failing_item_fails_its_task_and_the_thread_goes_on()
    {
        using var thread = new DedicatedThread("test-failure");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => thread.RunAsync<int>(() => throw new InvalidOperationException("step 3 diverged")));
        Assert.Equal("step 3 diverged", error.Message);
        Assert.Equal(7, await thread.RunAsync(() => 7));
    }

    [Fact]
    public async Task The_awaiting_code_resumes_off_the_dedicated_thread()
    {
        using var thread = new DedicatedThread("test-continuation");
        Assert.NotEqual(thread.ManagedThreadId, await ThreadResumedOnAsync(thread));
    }

    /// <summary>Where code awaiting the thread's work goes on, with no synchronization context to bring it back.</summary>
    private static async Task<int> ThreadResumedOnAsync(DedicatedThread thread)
    {
        await thread.RunAsync(() => 0).ConfigureAwait(false);
        return Environment.CurrentManagedThreadId;
    }

    [Fact]
    public void A_disposed_thread_refuses_work_and_disposing_twice_is_harmless()
    {
        var thread = new DedicatedThread("test-dispose");
        thread.Dispose();
        thread.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { _ = thread.RunAsync(() => 1); });
    }
}
