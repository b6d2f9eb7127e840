using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Vision.Training;

/// <summary>
/// A seeded, resumable order over a data set: sample k of the run is
/// <c>permutation(epoch = k / count)[k % count]</c>, each epoch shuffled by its own generator.
/// Any step can be computed without replaying earlier ones, so a resumed run sees the same data.
/// The generators are <see cref="DeterministicRandom"/> seeded by <see cref="StableSeed.Derive"/> of (seed, epoch):
/// both are fixed forever, so a run resumed in another process, on another machine or under another .NET version
/// draws the same batches (<see cref="HashCode"/> and <see cref="Random"/> make no such promise).
/// </summary>
public sealed class DataOrder(int count, long seed)
{
    private int _cachedEpoch = -1;
    private int[] _permutation = [];

    public int Count { get; } = count > 0 ? count : throw new ArgumentException("A data set to train on needs at least one sample.");

    public long Seed { get; } = seed;

    public int this[long sampleIndex]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
            int epoch = (int)(sampleIndex / Count);
            if (epoch != _cachedEpoch)
            {
                _permutation = Permutation(epoch);
                _cachedEpoch = epoch;
            }
            return _permutation[sampleIndex % Count];
        }
    }

    /// <summary>The samples of micro-batch <paramref name="micro"/> of optimizer step <paramref name="step"/>.</summary>
    public int[] Batch(int step, int micro, int microBatches, int batchSize)
    {
        long first = ((long)step * microBatches + micro) * batchSize;
        var result = new int[batchSize];
        for (int i = 0; i < batchSize; i++) result[i] = this[first + i];
        return result;
    }

    /// <summary>Epoch <paramref name="epoch"/>'s order: a Fisher-Yates shuffle of 0..Count-1.</summary>
    public int[] Permutation(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var rng = new DeterministicRandom(StableSeed.Derive(Seed, $"data-order/epoch-{epoch}"));
        var p = Enumerable.Range(0, Count).ToArray();
        for (int i = p.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
