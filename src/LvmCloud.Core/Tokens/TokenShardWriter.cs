using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace LvmCloud.Core.Tokens;

/// <summary>
/// Writes a token shard in LVM's JSON Lines format (one <c>{"tokens": "&lt;base64 of
/// little-endian int32&gt;"}</c> per line, spelled exactly as Python's <c>json.dumps</c>
/// writes it, so shards interoperate with LVM's EasyLM training) and its binary twin
/// (<see cref="TokenShardBinaryFormat"/>). The same sequences always give the same bytes.
/// Files are written to temporary names and moved into place by <see cref="Complete"/>,
/// so a reader never sees half a shard; disposing without completing discards them.
/// </summary>
public sealed class TokenShardWriter : IDisposable
{
    private readonly string _jsonlPath;
    private readonly string? _binPath;
    private readonly string _jsonlTemp;
    private readonly StreamWriter _jsonl;
    private readonly List<int> _tokens = [];
    private readonly List<long> _offsets = [0];
    private bool _finished;

    /// <param name="jsonlPath">The <c>.jsonl</c> shard.</param>
    /// <param name="binPath">The binary twin, or null for JSONL only.</param>
    public TokenShardWriter(string jsonlPath, string? binPath)
    {
        ArgumentNullException.ThrowIfNull(jsonlPath);
        _jsonlPath = jsonlPath;
        _binPath = binPath;
        _jsonlTemp = jsonlPath + ".tmp";
        string? folder = Path.GetDirectoryName(Path.GetFullPath(jsonlPath));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        _jsonl = new StreamWriter(File.Create(_jsonlTemp), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    public int Count => _offsets.Count - 1;

    public void Add(ReadOnlySpan<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _jsonl.Write(JsonlLine(tokens));
        _tokens.AddRange(tokens);
        _offsets.Add(_tokens.Count);
    }

    /// <summary>Flushes both files and moves them into place, replacing older versions.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _finished = true;
        _jsonl.Dispose();
        if (_binPath is not null)
        {
            string binTemp = _binPath + ".tmp";
            string? folder = Path.GetDirectoryName(Path.GetFullPath(_binPath));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            using (FileStream bin = File.Create(binTemp))
            {
                WriteBinary(CollectionsMarshal.AsSpan(_tokens), CollectionsMarshal.AsSpan(_offsets), bin);
            }

            File.Move(binTemp, _binPath, overwrite: true);
        }

        File.Move(_jsonlTemp, _jsonlPath, overwrite: true);
    }

    public void Dispose()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _jsonl.Dispose();
        File.Delete(_jsonlTemp);
    }

    /// <summary>Writes a whole shard: <paramref name="jsonlPath"/> and, if given, <paramref name="binPath"/>.</summary>
    public static void WriteFiles(string jsonlPath, string? binPath, IEnumerable<ReadOnlyMemory<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        using var writer = new TokenShardWriter(jsonlPath, binPath);
        foreach (ReadOnlyMemory<int> sequence in sequences)
        {
            writer.Add(sequence.Span);
        }

        writer.Complete();
    }

    /// <summary>One JSONL line, with its trailing newline: <c>{"tokens": "..."}\n</c>.</summary>
    public static string JsonlLine(ReadOnlySpan<int> tokens)
    {
        byte[] bytes = new byte[tokens.Length * TokenShardBinaryFormat.BytesPerToken];
        for (int i = 0; i < tokens.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), tokens[i]);
        }

        return $"{{\"tokens\": \"{Convert.ToBase64String(bytes)}\"}}\n";
    }

    public static void WriteJsonl(TokenShard shard, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        foreach (ReadOnlyMemory<int> sequence in shard)
        {
            writer.Write(JsonlLine(sequence.Span));
        }
    }

    public static void WriteBinary(TokenShard shard, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(shard);
        WriteBinary(shard.Tokens, shard.Offsets, stream);
    }

    private static void WriteBinary(ReadOnlySpan<int> tokens, ReadOnlySpan<long> offsets, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[TokenShardBinaryFormat.HeaderLength];
        TokenShardBinaryFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], TokenShardBinaryFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], TokenShardBinaryFormat.BytesPerToken);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], (ulong)(offsets.Length - 1));
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], (ulong)tokens.Length);
        stream.Write(header);
        WriteLittleEndian(offsets, stream);
        WriteLittleEndian(tokens, stream);
    }

    private static void WriteLittleEndian<T>(ReadOnlySpan<T> values, Stream stream)
        where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        T[] swapped = values.ToArray();
        Span<byte> bytes = MemoryMarshal.AsBytes(swapped.AsSpan());
        int size = Marshal.SizeOf<T>();
        for (int i = 0; i < bytes.Length; i += size)
        {
            bytes.Slice(i, size).Reverse();
        }

        stream.Write(bytes);
    }
}
