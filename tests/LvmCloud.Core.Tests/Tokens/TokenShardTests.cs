using System.Buffers.Binary;
using LvmCloud.Core.Tokens;

namespace LvmCloud.Core.Tests.Tokens;

public sealed class TokenShardTests : IDisposable
{
    private static readonly int[][] Sequences =
    [
        [1, 256, -1],
        [],
        [8191, 0, 42, 7, 7, 7],
    ];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Jsonl_line_matches_lvm_format_exactly()
    {
        // 1, 256, -1 as little-endian int32: 01000000 00010000 FFFFFFFF
        Assert.Equal("{\"tokens\": \"AQAAAAABAAD/////\"}\n", TokenShardWriter.JsonlLine([1, 256, -1]));
    }

    [Fact]
    public void Writes_both_formats_that_read_back_to_the_same_sequences()
    {
        (string jsonl, string bin) = WriteShard("a");

        TokenShard fromJsonl = TokenShardReader.Read(jsonl);
        TokenShard fromBin = TokenShardReader.Read(bin);

        foreach (TokenShard shard in new[] { fromJsonl, fromBin })
        {
            Assert.Equal(3, shard.Count);
            Assert.Equal(9, shard.TokenCount);
            for (int i = 0; i < Sequences.Length; i++)
            {
                Assert.Equal(Sequences[i], shard[i].ToArray());
            }
        }

        Assert.Equal(3, File.ReadAllLines(jsonl).Length);
    }

    [Fact]
    public void Same_data_written_twice_gives_identical_files()
    {
        (string jsonl1, string bin1) = WriteShard("one");
        (string jsonl2, string bin2) = WriteShard("two");

        Assert.Equal(File.ReadAllBytes(jsonl1), File.ReadAllBytes(jsonl2));
        Assert.Equal(File.ReadAllBytes(bin1), File.ReadAllBytes(bin2));
    }

    [Fact]
    public void Binary_layout_follows_the_documented_header()
    {
        (_, string bin) = WriteShard("layout");
        byte[] bytes = File.ReadAllBytes(bin);

        Assert.Equal("LVMTOKS1"u8.ToArray(), bytes[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(3ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(9ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));
        long[] offsets = [.. Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32 + (8 * i))))];
        Assert.Equal([0L, 3, 3, 9], offsets);
        Assert.Equal(256, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(64 + 4)));
        Assert.Equal(TokenShardBinaryFormat.FileLength(3, 9), bytes.Length);
    }

    [Fact]
    public void Stream_writers_match_the_file_writer()
    {
        (string jsonl, string bin) = WriteShard("files");
        TokenShard shard = TokenShard.FromSequences(Sequences);
        using var jsonlStream = new MemoryStream();
        using var binStream = new MemoryStream();

        TokenShardWriter.WriteJsonl(shard, jsonlStream);
        TokenShardWriter.WriteBinary(shard, binStream);

        Assert.Equal(File.ReadAllBytes(jsonl), jsonlStream.ToArray());
        Assert.Equal(File.ReadAllBytes(bin), binStream.ToArray());
    }

    [Fact]
    public void Writer_disposed_without_complete_leaves_no_files()
    {
        string jsonl = _dir.File("partial.jsonl");
        string bin = _dir.File("partial.bin");
        using (var writer = new TokenShardWriter(jsonl, bin))
        {
            writer.Add([1, 2, 3]);
        }

        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Rejects_truncated_binary()
    {
        (_, string bin) = WriteShard("t");
        byte[] bytes = File.ReadAllBytes(bin);

        var ex = Assert.Throws<TokenShardFormatException>(() => TokenShardReader.Read(bytes[..^4], "cut.bin"));

        Assert.Contains("truncated", ex.Message);
        Assert.Contains("cut.bin", ex.Message);
    }

    [Fact]
    public void Rejects_binary_with_trailing_bytes()
    {
        (_, string bin) = WriteShard("t");
        byte[] bytes = [.. File.ReadAllBytes(bin), 0, 0, 0, 0];

        var ex = Assert.Throws<TokenShardFormatException>(() => TokenShardReader.ReadBinary(bytes));

        Assert.Contains("trailing", ex.Message);
    }

    [Fact]
    public void Rejects_decreasing_offsets()
    {
        (_, string bin) = WriteShard("t");
        byte[] bytes = File.ReadAllBytes(bin);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32 + 16), 1); // offsets[2] = 1 < offsets[1] = 3

        var ex = Assert.Throws<TokenShardFormatException>(() => TokenShardReader.ReadBinary(bytes));

        Assert.Contains("offset 2", ex.Message);
    }

    [Fact]
    public void Rejects_unknown_version()
    {
        (_, string bin) = WriteShard("t");
        byte[] bytes = File.ReadAllBytes(bin);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);

        var ex = Assert.Throws<TokenShardFormatException>(() => TokenShardReader.ReadBinary(bytes));

        Assert.Contains("version 2", ex.Message);
    }

    [Fact]
    public void Rejects_header_claiming_huge_counts()
    {
        (_, string bin) = WriteShard("t");
        byte[] bytes = File.ReadAllBytes(bin);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), ulong.MaxValue);

        Assert.Throws<TokenShardFormatException>(() => TokenShardReader.ReadBinary(bytes));
    }

    [Theory]
    [InlineData("{\"tokens\": \"AQAAAA==\"}\n{\"tokens\": \"not base64!\"}\n", "line 2")]
    [InlineData("{\"tokens\": \"AQAA\"}\n", "whole number")]
    [InlineData("{\"tokens\": 5}\n", "base64 string")]
    [InlineData("{\"token\": \"AQAAAA==\"}\n", "\"tokens\" field")]
    [InlineData("{\"tokens\": \"AQAAAA==\"\n", "not valid JSON")]
    public void Rejects_corrupt_jsonl_naming_the_line(string text, string mentions)
    {
        var ex = Assert.Throws<TokenShardFormatException>(() => TokenShardReader.ReadJsonl(text, "s.jsonl"));

        Assert.Contains(mentions, ex.Message);
    }

    [Fact]
    public void Vocabulary_check_names_the_bad_token()
    {
        TokenShard shard = TokenShard.FromSequences(Sequences);

        var ex = Assert.Throws<InvalidDataException>(() => shard.EnsureTokensBelow(8192));

        Assert.Contains("Token -1 at position 2 of sequence 0", ex.Message);
        TokenShard.FromSequences([[0, 8191]]).EnsureTokensBelow(8192);
    }

    private (string Jsonl, string Bin) WriteShard(string name)
    {
        string jsonl = _dir.File($"{name}.jsonl");
        string bin = _dir.File($"{name}.bin");
        TokenShardWriter.WriteFiles(jsonl, bin, Sequences.Select(s => (ReadOnlyMemory<int>)s));
        return (jsonl, bin);
    }
}
