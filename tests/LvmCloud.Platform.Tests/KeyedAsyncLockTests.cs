using LvmCloud.Platform.State;

namespace LvmCloud.Platform.Tests;

public sealed class KeyedAsyncLockTests
{
    [Fact]
    public async Task Holders_of_one_key_take_turns_and_other_keys_do_not_wait()
    {
        var locks = new KeyedAsyncLock();
        var first = await locks.AcquireAsync("batch-a", CancellationToken.None);
        var second = locks.AcquireAsync("batch-a", CancellationToken.None);
        var other = locks.AcquireAsync("batch-b", CancellationToken.None);

        Assert.True(other.IsCompletedSuccessfully, "another key must not wait");
        await Task.Delay(50);
        Assert.False(second.IsCompleted, "the same key must wait for its holder");

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        (await other).Dispose();
        Assert.Equal(0, locks.ActiveKeys);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_no_entry_and_does_not_take_the_lock()
    {
        var locks = new KeyedAsyncLock();
        var holder = await locks.AcquireAsync("batch-a", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiter = locks.AcquireAsync("batch-a", cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        holder.Dispose();
        holder.Dispose(); // a second release is a no-op
        Assert.Equal(0, locks.ActiveKeys);
        (await locks.AcquireAsync("batch-a", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
