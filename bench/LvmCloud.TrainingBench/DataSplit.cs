using LvmCloud.Core.Tokens;

namespace LvmCloud.TrainingBench;

/// <summary>
/// The training rows split between the warm start and the comparison: the pre-training reads the first
/// S = min(P·K·b, N / 2) rows (P steps of K·b sequences; repeated in further epochs when P·K·b is more than S), the
/// comparison the rows after them, so the continuation never sees a sequence the pre-training read, and both arms read
/// the same rows (the synchronous run in its seeded order, DiLoCo shard k rows k, k+K, … of them in its own).
/// Without a warm start the comparison reads every row.
/// </summary>
internal sealed record DataSplit(IReadOnlyList<int[]> PreTraining, IReadOnlyList<int[]> Continuation)
{
    public static DataSplit Make(IReadOnlyList<int[]> rows, int warmStartSteps, int syncBatchSize)
    {
        if (warmStartSteps == 0)
            return new DataSplit([], rows);
        var split = (int)Math.Min((long)warmStartSteps * syncBatchSize, rows.Count / 2);
        if (split < syncBatchSize)
            throw new ArgumentException($"The training shard has {rows.Count} sequences: too few to give the warm start a batch of {syncBatchSize} and keep half for the comparison. Make a larger shard (lvm dataset-fashion-mnist --sentences N).");
        return new DataSplit(rows.Take(split).ToList(), rows.Skip(split).ToList());
    }

    /// <summary>Writes the continuation rows as a binary token shard (what the DiLoCo runs upload).</summary>
    public void WriteContinuation(string path)
    {
        using var stream = File.Create(path);
        TokenShardWriter.WriteBinary(TokenShard.FromSequences(Continuation), stream);
    }
}
