namespace LvmCloud.Core.Sentences;

/// <summary>
/// SplitMix64: a tiny generator whose sequence for a seed is fixed forever, so
/// generated datasets are the same on every machine and .NET version
/// (<see cref="System.Random"/> makes no such promise for new code paths).
/// </summary>
public sealed class DeterministicRandom(long seed)
{
    private ulong _state = (ulong)seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);

        return (int)(value % bound);
    }

    /// <summary>Uniform in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int minInclusive, int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(minInclusive, maxExclusive);
        return minInclusive + Next(maxExclusive - minInclusive);
    }

    /// <summary>Uniform in [0, 1) with 24 bits of precision.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary><paramref name="count"/> distinct indices from [0, <paramref name="n"/>), in draw order (partial Fisher-Yates).</summary>
    public int[] Sample(int n, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        int[] pool = [.. Enumerable.Range(0, n)];
        for (int i = 0; i < count; i++)
        {
            int j = i + Next(n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return pool[..count];
    }
}
