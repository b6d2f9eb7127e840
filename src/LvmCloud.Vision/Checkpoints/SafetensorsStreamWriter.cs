using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Writes a <c>.safetensors</c> file without holding its tensors: the header first (computed from the entries alone),
/// then each tensor's bytes in chunks that a callback fills. Memory is one chunk whatever the file's size, so a 5 GB
/// shard costs what its chunk costs. The layout is the one the Python <c>safetensors</c> library writes: tensors ordered
/// by element size (widest first), then by name; a <c>__metadata__</c> entry first; the header padded with spaces to a
/// multiple of 8 bytes. The file appears under its name only when complete (written as <c>.tmp</c>, flushed to disk,
/// then renamed).
/// </summary>
public static class SafetensorsStreamWriter
{
    /// <summary>Chunk size used when none is given: large enough for sequential disk speed, small beside any model.</summary>
    public const int DefaultChunkBytes = 16 << 20;

    /// <summary>Fills <paramref name="destination"/> with the bytes of <paramref name="entry"/> that start at <paramref name="offset"/> in its data.</summary>
    public delegate void FillChunk(SafetensorsWriteEntry entry, long offset, Span<byte> destination);

    /// <summary>The entries in the order their data is laid out in the file: element size descending, then name (ordinal).</summary>
    public static IReadOnlyList<SafetensorsWriteEntry> DataOrder(IEnumerable<SafetensorsWriteEntry> entries) =>
        entries.OrderByDescending(e => e.ElementBytes).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();

    /// <summary>The header bytes (JSON, space-padded to a multiple of 8), without the 8-byte length before it.</summary>
    public static byte[] Header(IReadOnlyList<SafetensorsWriteEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var root = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[key] = value;
            root["__metadata__"] = meta;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var entry in DataOrder(entries))
        {
            if (entry.Name == "__metadata__" || !names.Add(entry.Name))
                throw new ArgumentException($"Tensor name '{entry.Name}' is used twice or reserved; every tensor of a safetensors file needs its own name.", nameof(entries));
            if (entry.Shape.Any(d => d < 0))
                throw new ArgumentException($"Tensor '{entry.Name}' has a negative dimension in shape [{string.Join(", ", entry.Shape)}].", nameof(entries));
            var shape = new JsonArray();
            foreach (var d in entry.Shape) shape.Add(d);
            root[entry.Name] = new JsonObject
            {
                ["dtype"] = entry.DType,
                ["shape"] = shape,
                ["data_offsets"] = new JsonArray(offset, offset + entry.Bytes),
            };
            offset += entry.Bytes;
        }
        var json = Encoding.UTF8.GetBytes(root.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var header = new byte[padded];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return header;
    }

    /// <summary>
    /// Writes <paramref name="path"/>: the header of <paramref name="entries"/>, then every tensor's data, filled
    /// <paramref name="chunkBytes"/> at a time by <paramref name="fill"/>. Returns the file's length in bytes.
    /// </summary>
    public static long Write(string path, IReadOnlyList<SafetensorsWriteEntry> entries, FillChunk fill,
        IReadOnlyDictionary<string, string>? metadata = null, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 8, nameof(chunkBytes));
        var header = Header(entries, metadata);
        string tmp = path + ".tmp";
        var buffer = new byte[chunkBytes];
        long length;
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var entry in DataOrder(entries))
            {
                for (long done = 0; done < entry.Bytes;)
                {
                    int n = (int)Math.Min(chunkBytes, entry.Bytes - done);
                    var chunk = buffer.AsSpan(0, n);
                    fill(entry, done, chunk);
                    stream.Write(chunk);
                    done += n;
                }
            }
            stream.Flush(flushToDisk: true);
            length = stream.Length;
        }
        File.Move(tmp, path, overwrite: true);
        return length;
    }
}
