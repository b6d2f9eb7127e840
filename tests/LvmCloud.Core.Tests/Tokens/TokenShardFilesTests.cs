using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;

namespace LvmCloud.Core.Tests.Tokens;

public sealed class TokenShardFilesTests
{
    [Fact]
    public async Task Store_shard_has_the_bytes_of_the_file_writer_and_reads_back()
    {
        using var dir = new TempDir();
        int[][] rows = [[1, 2, 3, 4], [70000, -1, 0, 5], []];
        TokenShardWriter.WriteFiles(dir.File("files.jsonl"), dir.File("files.bin"), rows.Select(r => (ReadOnlyMemory<int>)r));
        var store = new FolderStore(dir.File("store"));

        await TokenShardFiles.WriteAsync(store, "tokens/" + TokenShardFiles.Stem(3), TokenShard.FromSequences(rows));

        Assert.Equal(File.ReadAllBytes(dir.File("files.jsonl")), File.ReadAllBytes(store.FullPath("tokens/shard-00003.jsonl")));
        Assert.Equal(File.ReadAllBytes(dir.File("files.bin")), File.ReadAllBytes(store.FullPath("tokens/shard-00003.bin")));
        foreach (string path in new[] { "tokens/shard-00003.jsonl", "tokens/shard-00003.bin" })
        {
            var back = await TokenShardFiles.ReadAsync(store, path);
            Assert.Equal(rows, back.Select(r => r.ToArray()));
        }
        Assert.Equal(["tokens/shard-00003.bin", "tokens/shard-00003.jsonl"], await store.ListAsync().Select(f => f.Path).ToListAsync());
    }
}
