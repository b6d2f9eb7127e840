using System.Collections.Concurrent;

namespace LvmCloud.Worker.Caching;

/// <summary>
/// Values loaded once per key and kept for the life of the process: concurrent callers of one key share one load, and
/// a load that fails (or is cancelled) is not kept, so the next caller loads again. The load is shared, so it should run
/// without any one caller's cancellation; a caller that stops waiting leaves it running for the others.
/// </summary>
/// <param name="comparer">How keys compare; the key type's default when null.</param>
public sealed class CacheOnce<TKey, TValue>(IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _entries = new(comparer);

    /// <summary>
    /// The value of <paramref name="key"/>, from <paramref name="load"/> on first use (callers that come while it runs
    /// wait for the same load); a failed load is forgotten, so the next call tries again.
    /// </summary>
    public async Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> load, CancellationToken cancellationToken)
    {
        var lazy = _entries.GetOrAdd(key, k => new Lazy<Task<TValue>>(() => load(k)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            // Only this entry: a caller that has already started a new load of the key keeps it.
            _entries.TryRemove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, lazy));
            throw;
        }
    }

    /// <summary>The values loaded so far (loads still running, and failed ones, are left out).</summary>
    public IEnumerable<TValue> Loaded =>
        _entries.Values.Where(lazy => lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully).Select(lazy => lazy.Value.Result);

    /// <summary>Forgets every value (disposing them is the owner's part: take <see cref="Loaded"/> first).</summary>
    public void Clear() => _entries.Clear();
}
