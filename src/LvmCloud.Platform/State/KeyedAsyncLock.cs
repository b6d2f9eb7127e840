namespace LvmCloud.Platform.State;

/// <summary>
/// One async lock per key, held only while in use (an entry lives while someone holds or waits for its key), so a
/// process's own writers of one row take turns instead of racing each other's ETags.
/// </summary>
public sealed class KeyedAsyncLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits for <paramref name="key"/>'s lock; dispose the result to release it.</summary>
    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
                _entries[key] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }
        return new Release(this, key, entry);
    }

    /// <summary>Keys with a holder or a waiter (for tests: entries do not outlive their use).</summary>
    public int ActiveKeys
    {
        get
        {
            lock (_entries)
                return _entries.Count;
        }
    }

    private void Leave(string key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
                _entries.Remove(key);
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int Users { get; set; }
    }

    private sealed class Release(KeyedAsyncLock owner, string key, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            entry.Gate.Release();
            owner.Leave(key, entry);
        }
    }
}
