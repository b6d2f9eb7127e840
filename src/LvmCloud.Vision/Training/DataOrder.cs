namespace LvmCloud.Vision.Training;

/// <summary>
/// A seeded, resumable order over a data set: sample k of the run is
/// <c>permutation(epoch = k / count)[k % count]</c>, each epoch shuffled by its own seeded generator.
/// Any step can be computed without replaying earlier ones, so a resumed run sees the same data.
/// </summary>
public sealed class DataOrder(int count, int seed)
{
    private int _cachedEpoch = -1;
    private int[] _permutation = [];

    public int Count { get; } = count > 0 ? count : throw new ArgumentException("A data set to train on needs at least one sample.");

    public int this[long sampleIndex]
    {
        get
        {
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

    private int[] Permutation(int epoch)
    {
        var rng = new Random(HashCode.Combine(seed, epoch, 0x5eed));
        var p = Enumerable.Range(0, Count).ToArray();
        for (int i = p.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
