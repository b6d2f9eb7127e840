using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Training;

namespace LvmCloud.Cli.Data;

/// <summary>Reads token shards (.bin or .jsonl) into equal-length training sequences.</summary>
public static class ShardSequences
{
    public static TokenSequences Load(IReadOnlyList<string> paths, int vocabSize)
    {
        var rows = new List<int[]>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"Token shard '{path}' not found.");
            var shard = TokenShardReader.Read(path);
            shard.EnsureTokensBelow(vocabSize);
            foreach (var row in shard) rows.Add(row.ToArray());
        }
        if (rows.Count == 0) throw new InvalidDataException($"The shards {string.Join(", ", paths)} hold no sequences.");
        int length = rows[0].Length;
        var odd = rows.FindIndex(r => r.Length != length);
        if (odd >= 0) throw new InvalidDataException($"Sequence {odd} has {rows[odd].Length} tokens, the first has {length}: train on sentences of one length.");
        return new TokenSequences(rows);
    }
}
