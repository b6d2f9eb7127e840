using System.Buffers.Binary;
using System.Text;

namespace LvmCloud.Core.Manifests;

/// <summary>
/// Seeds that never change between runs, machines or .NET versions
/// (unlike <see cref="string.GetHashCode()"/>): FNV-1a 64 over the parent seed
/// (8 bytes little-endian) and the key's UTF-8 bytes, finished with the
/// SplitMix64 mixer, masked to a non-negative <see cref="long"/>.
/// </summary>
public static class StableSeed
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The seed of an item that gives none: from the batch seed and the item id.</summary>
    public static long Derive(long parentSeed, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> seedBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(seedBytes, parentSeed);
        ulong hash = FnvOffset;
        hash = Fnv(hash, seedBytes);
        hash = Fnv(hash, Encoding.UTF8.GetBytes(key));
        return (long)(Mix(hash) & long.MaxValue);
    }

    /// <summary>The seed of one candidate: candidate 0 uses the item seed itself, the others derive from it.</summary>
    public static long ForCandidate(long itemSeed, int candidate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(candidate);
        return candidate == 0 ? itemSeed : Derive(itemSeed, $"candidate-{candidate}");
    }

    private static ulong Fnv(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
