namespace LvmCloud.Platform.Training;

/// <summary>One token shard file a run reads, pinned to the version it had when the run started.</summary>
public sealed record DataFile(string Container, string Path, long Length, string Version)
{
    public override string ToString() => $"{Container}/{Path}";
}

/// <summary>The files one shard job trains on, and which of their rows (in order, concatenated) are its own.</summary>
/// <param name="RowOffset">The first row of the concatenation that belongs to the shard.</param>
/// <param name="RowStride">Every <c>RowStride</c>-th row after it belongs to the shard too (1: all rows).</param>
public sealed record ShardData(IReadOnlyList<DataFile> Files, int RowOffset, int RowStride);

/// <summary>
/// <c>plan.json</c>: the run's data entries resolved to files when the run started (folders listed, versions kept),
/// so every round of every shard reads the same data even if more shards are added to a folder later.
/// </summary>
public sealed record TrainingPlan(string RunId, IReadOnlyList<DataFile> Train, IReadOnlyList<DataFile> Eval)
{
    /// <summary>
    /// Shard <paramref name="shard"/>'s part of the data: with at least as many files as shards, files k, k+K, k+2K, …
    /// (each job reads only its own files); with fewer, rows k, k+K, … of all files in order. Shard 0 of a run with
    /// K = 1 therefore trains on every row, in file order, as <c>lvm train --tokens</c> with the same files does.
    /// </summary>
    public ShardData DataFor(int shard, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        return Train.Count >= shards
            ? new ShardData(Train.Where((_, i) => i % shards == shard).ToList(), 0, 1)
            : new ShardData(Train, shard, shards);
    }
}
