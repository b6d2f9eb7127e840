using LvmCloud.Worker.Caching;

namespace LvmCloud.Platform.Tests;

public sealed class CacheOnceTests
{
    [Fact]
    public async Task Concurrent_callers_of_one_key_share_one_load()
    {
        var cache = new CacheOnce<string, object>(StringComparer.Ordinal);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        async Task<object> LoadAsync(string key)
        {
            Interlocked.Increment(ref loads);
            await release.Task;
            return new object();
        }

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(() => cache.GetAsync("run-1", LoadAsync, CancellationToken.None))).ToList();
        var other = cache.GetAsync("run-2", LoadAsync, CancellationToken.None);
        release.SetResult();
        var values = await Task.WhenAll(callers);

        Assert.Equal(2, loads); // one per key
        Assert.All(values, v => Assert.Same(values[0], v));
        Assert.NotSame(values[0], await other);
        Assert.Same(values[0], await cache.GetAsync("run-1", LoadAsync, CancellationToken.None));
        Assert.Equal(2, loads);
        Assert.Equal(2, cache.Loaded.Count());
    }

    [Fact]
    public async Task A_failed_load_is_not_cached_and_the_next_call_loads_again()
    {
        var cache = new CacheOnce<string, string>();
        var loads = 0;
        Task<string> LoadAsync(string key) =>
            Interlocked.Increment(ref loads) == 1
                ? Task.FromException<string>(new IOException("storage unreachable"))
                : Task.FromResult($"{key} loaded");

        var error = await Assert.ThrowsAsync<IOException>(() => cache.GetAsync("model", LoadAsync, CancellationToken.None));
        Assert.Equal("storage unreachable", error.Message);
        Assert.Empty(cache.Loaded);

        Assert.Equal("model loaded", await cache.GetAsync("model", LoadAsync, CancellationToken.None));
        Assert.Equal("model loaded", await cache.GetAsync("model", LoadAsync, CancellationToken.None));
        Assert.Equal(2, loads);
    }

    [Fact]
    public async Task A_load_that_ends_cancelled_is_not_cached()
    {
        var cache = new CacheOnce<int, string>();
        var loads = 0;
        Task<string> LoadAsync(int key) =>
            Interlocked.Increment(ref loads) == 1
                ? Task.FromCanceled<string>(new CancellationToken(canceled: true))
                : Task.FromResult("second");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetAsync(7, LoadAsync, CancellationToken.None));
        Assert.Equal("second", await cache.GetAsync(7, LoadAsync, CancellationToken.None));
        Assert.Equal(2, loads);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_leaves_the_shared_load_to_the_others()
    {
        var cache = new CacheOnce<string, string>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        async Task<string> LoadAsync(string key)
        {
            Interlocked.Increment(ref loads);
            await release.Task;
            return "weights";
        }

        using var impatient = new CancellationTokenSource();
        var gaveUp = cache.GetAsync("model", LoadAsync, impatient.Token);
        var patient = cache.GetAsync("model", LoadAsync, CancellationToken.None);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);

        release.SetResult();
        Assert.Equal("weights", await patient);
        Assert.Equal("weights", await cache.GetAsync("model", LoadAsync, CancellationToken.None));
        Assert.Equal(1, loads);
    }

    [Fact]
    public async Task Clear_forgets_the_values_so_the_next_call_loads_again()
    {
        var cache = new CacheOnce<string, string>();
        var loads = 0;
        Task<string> LoadAsync(string key) => Task.FromResult($"load {Interlocked.Increment(ref loads)}");

        Assert.Equal("load 1", await cache.GetAsync("a", LoadAsync, CancellationToken.None));
        Assert.Equal(["load 1"], cache.Loaded);
        cache.Clear();
        Assert.Empty(cache.Loaded);
        Assert.Equal("load 2", await cache.GetAsync("a", LoadAsync, CancellationToken.None));
    }
}
