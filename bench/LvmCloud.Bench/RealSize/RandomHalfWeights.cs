using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LvmCloud.Vision.Checkpoints;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// Random float16 weights, fast enough that writing a 13 GB checkpoint is bound by the disk: values uniform in
/// ±<paramref name="scale"/> (looked up from a 65,536-entry table of float16 values, four per 64-bit random number),
/// norm weights 1.0, so the model's activations stay small and finite. A chunk's values depend on the seed, the
/// tensor's name and the chunk's offset only.
/// </summary>
public sealed class RandomHalfWeights(ulong seed, float scale = 0.02f)
{
    private const ushort HalfOne = 0x3C00;
    private readonly ushort[] _table = Table(scale);

    /// <summary>The <see cref="SafetensorsStreamWriter.FillChunk"/> for float16 tensors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs optimised from the first chunk (no tier-0 pass over GBs)
    public void Fill(SafetensorsWriteEntry entry, long offset, Span<byte> destination)
    {
        if (entry.DType != "F16")
            throw new NotSupportedException($"Tensor '{entry.Name}' is {entry.DType}; random weights are written as F16 only (the release's dtype).");
        var halves = MemoryMarshal.Cast<byte, ushort>(destination);
        if (entry.Name.EndsWith("norm.weight", StringComparison.Ordinal))
        {
            halves.Fill(HalfOne);
            return;
        }
        ulong state = seed ^ Fnv1a(entry.Name) ^ (ulong)offset * 0x9E3779B97F4A7C15UL;
        int i = 0;
        for (; i + 4 <= halves.Length; i += 4)
        {
            ulong r = SplitMix64(ref state);
            halves[i] = _table[(ushort)r];
            halves[i + 1] = _table[(ushort)(r >> 16)];
            halves[i + 2] = _table[(ushort)(r >> 32)];
            halves[i + 3] = _table[(ushort)(r >> 48)];
        }
        for (; i < halves.Length; i++) halves[i] = _table[(ushort)SplitMix64(ref state)];
    }

    private static ushort[] Table(float scale)
    {
        var table = new ushort[65536];
        for (int k = 0; k < table.Length; k++)
            table[k] = BitConverter.HalfToUInt16Bits((Half)((k / 65535.0 * 2 - 1) * scale));
        return table;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in text) hash = (hash ^ c) * 0x100000001B3UL;
        return hash;
    }
}
