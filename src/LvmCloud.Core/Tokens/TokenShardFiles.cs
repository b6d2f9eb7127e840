using LvmCloud.Core.Storage;

namespace LvmCloud.Core.Tokens;

/// <summary>
/// A token shard as two files in an <see cref="IFileStore"/>: <c>{stem}.jsonl</c> (LVM's format) and its binary twin
/// <c>{stem}.bin</c>. Each file is built in memory and written whole, so a reader sees the old file or the new one,
/// never half; the twin goes first and the <c>.jsonl</c> last, so a <c>.jsonl</c> that is there has its twin.
/// </summary>
public static class TokenShardFiles
{
    public const string JsonlExtension = ".jsonl";
    public const string BinaryExtension = ".bin";

    /// <summary>The stem of shard <paramref name="index"/> of a dataset's tokens: <c>shard-00000</c>.</summary>
    public static string Stem(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return $"shard-{index:D5}";
    }

    public static string JsonlPath(string stem) => stem + JsonlExtension;

    public static string BinaryPath(string stem) => stem + BinaryExtension;

    /// <summary>Writes both files of <paramref name="shard"/> under <paramref name="stem"/> (a path in the store without extension).</summary>
    public static async Task WriteAsync(IFileStore store, string stem, TokenShard shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(shard);
        using (var bin = new MemoryStream())
        {
            TokenShardWriter.WriteBinary(shard, bin);
            await store.WriteBytesAsync(BinaryPath(stem), bin.GetBuffer().AsMemory(0, (int)bin.Length), ContentTypes.Binary, cancellationToken);
        }

        using var jsonl = new MemoryStream();
        TokenShardWriter.WriteJsonl(shard, jsonl);
        await store.WriteBytesAsync(JsonlPath(stem), jsonl.GetBuffer().AsMemory(0, (int)jsonl.Length), ContentTypes.JsonLines, cancellationToken);
    }

    /// <summary>Reads a shard file (either format, told apart by content) from the store.</summary>
    public static async Task<TokenShard> ReadAsync(IFileStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return TokenShardReader.Read(await store.ReadAllBytesAsync(path, cancellationToken), store.Describe(path));
    }
}
