using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LvmCloud.Core.Text;

namespace LvmCloud.Core.Tokens;

/// <summary>
/// Reads token shards in either format, told apart by content: the binary twin
/// starts with <c>LVMTOKS1</c>, anything else is read as JSON Lines. Every
/// structural fact is checked; problems throw <see cref="TokenShardFormatException"/>
/// naming the shard (and the line, for JSONL).
/// </summary>
public static class TokenShardReader
{
    /// <summary>Reads a shard file in one read.</summary>
    public static TokenShard Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllBytes(path), path);
    }

    public static TokenShard Read(Stream stream, string shardName = "shard")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.ToArray(), shardName);
    }

    /// <summary>
    /// Reads a shard by its content; a <paramref name="shardName"/> ending in <c>.bin</c> must be the binary format
    /// (a <c>.bin</c> without the header is not read as JSON Lines and reported as such).
    /// </summary>
    public static TokenShard Read(byte[] bytes, string shardName = "shard")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return bytes.AsSpan().StartsWith(TokenShardBinaryFormat.Magic) || shardName.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)
            ? ReadBinary(bytes, shardName)
            : ReadJsonl(Encoding.UTF8.GetString(bytes), shardName);
    }

    public static TokenShard ReadJsonl(string text, string shardName = "shard")
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>();
        var offsets = new List<long> { 0 };
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            byte[] payload = ReadTokensField(line, i + 1, shardName);
            if (payload.Length % TokenShardBinaryFormat.BytesPerToken != 0)
            {
                throw new TokenShardFormatException(shardName,
                    $"line {i + 1}: 'tokens' decodes to {payload.Length} bytes, not a whole number of int32 values");
            }

            for (int p = 0; p < payload.Length; p += 4)
            {
                tokens.Add(BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(p)));
            }

            offsets.Add(tokens.Count);
        }

        return new TokenShard([.. tokens], [.. offsets]);
    }

    public static TokenShard ReadBinary(ReadOnlySpan<byte> bytes, string shardName = "shard")
    {
        if (!bytes.StartsWith(TokenShardBinaryFormat.Magic))
        {
            throw new TokenShardFormatException(shardName, "not a token shard (missing header: a binary shard starts with LVMTOKS1)");
        }

        if (bytes.Length < TokenShardBinaryFormat.HeaderLength)
        {
            throw new TokenShardFormatException(shardName, $"{bytes.Length} bytes is shorter than the {TokenShardBinaryFormat.HeaderLength}-byte header");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != TokenShardBinaryFormat.Version)
        {
            throw new TokenShardFormatException(shardName, $"version {version} is not supported (only {TokenShardBinaryFormat.Version})");
        }

        uint width = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        if (width != TokenShardBinaryFormat.BytesPerToken)
        {
            throw new TokenShardFormatException(shardName, $"{width} bytes per token is not supported (only 4)");
        }

        ulong sequences = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        ulong tokenCount = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
        if (sequences >= int.MaxValue || tokenCount >= int.MaxValue)
        {
            throw new TokenShardFormatException(shardName, $"header claims {sequences} sequences and {tokenCount} tokens, more than one shard can hold");
        }

        long expected = TokenShardBinaryFormat.FileLength((long)sequences, (long)tokenCount);
        if (bytes.Length != expected)
        {
            string problem = bytes.Length < expected ? "truncated" : "has trailing bytes";
            throw new TokenShardFormatException(shardName,
                $"{problem}: header says {sequences} sequences and {tokenCount} tokens ({expected} bytes), file has {bytes.Length} bytes");
        }

        int offsetsStart = TokenShardBinaryFormat.HeaderLength;
        int tokensStart = offsetsStart + (8 * ((int)sequences + 1));
        long[] offsets = ReadLittleEndian<long>(bytes[offsetsStart..tokensStart]);
        if (TokenShard.CheckOffsets(offsets, (long)tokenCount) is { } offsetProblem)
        {
            throw new TokenShardFormatException(shardName, offsetProblem);
        }

        int[] tokens = ReadLittleEndian<int>(bytes[tokensStart..]);
        return new TokenShard(tokens, offsets);
    }

    private static byte[] ReadTokensField(string line, int lineNumber, string shardName)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("tokens", out JsonElement field))
            {
                throw new TokenShardFormatException(shardName, $"line {lineNumber}: expected an object with a \"tokens\" field");
            }

            if (field.ValueKind != JsonValueKind.String)
            {
                throw new TokenShardFormatException(shardName, $"line {lineNumber}: \"tokens\" must be a base64 string");
            }

            return Convert.FromBase64String(field.GetString()!);
        }
        catch (JsonException ex)
        {
            throw new TokenShardFormatException(shardName, $"line {lineNumber}: not valid JSON ({JsonErrorText.Reason(ex)})", ex);
        }
        catch (FormatException ex) when (ex is not TokenShardFormatException)
        {
            throw new TokenShardFormatException(shardName, $"line {lineNumber}: \"tokens\" is not valid base64", ex);
        }
    }

    private static T[] ReadLittleEndian<T>(ReadOnlySpan<byte> bytes)
        where T : unmanaged
    {
        T[] values = MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            Span<byte> raw = MemoryMarshal.AsBytes(values.AsSpan());
            int size = Marshal.SizeOf<T>();
            for (int i = 0; i < raw.Length; i += size)
            {
                raw.Slice(i, size).Reverse();
            }
        }

        return values;
    }
}
