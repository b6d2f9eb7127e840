using System.Buffers.Binary;
using System.IO.Compression;

namespace LvmCloud.Core.Datasets;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST container), plain or gzipped (detected
/// by the gzip magic bytes). Layout: two zero bytes, a type byte (0x08 = unsigned
/// byte, the only type supported here), a dimension count, one big-endian u32 per
/// dimension, then the data in row-major order, nothing after it.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByte = 0x08;
    private const int MaxDimensions = 4;

    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream file = File.OpenRead(path);
        return Read(file, Path.GetFileName(path));
    }

    public static IdxArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffered = new BufferedStream(stream);
        Span<byte> magic = stackalloc byte[2];
        int peeked = ReadUpTo(buffered, magic);
        Stream content = new PrefixedStream(magic[..peeked].ToArray(), buffered);
        if (peeked == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            content = new GZipStream(content, CompressionMode.Decompress);
        }

        try
        {
            return ReadIdx(content, name);
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException(name, $"the gzip stream is damaged ({ex.Message})", ex);
        }
    }

    private static IdxArray ReadIdx(Stream content, string name)
    {
        Span<byte> header = stackalloc byte[4];
        if (ReadUpTo(content, header) < 4)
        {
            throw new IdxFormatException(name, "shorter than the 4-byte IDX header");
        }

        if (header[0] != 0 || header[1] != 0)
        {
            throw new IdxFormatException(name, "does not start with two zero bytes (not an IDX file)");
        }

        if (header[2] != UnsignedByte)
        {
            throw new IdxFormatException(name, $"data type 0x{header[2]:X2} is not supported (only 0x08, unsigned byte)");
        }

        int dimensionCount = header[3];
        if (dimensionCount is < 1 or > MaxDimensions)
        {
            throw new IdxFormatException(name, $"{dimensionCount} dimensions (expected 1 to {MaxDimensions})");
        }

        var dimensions = new int[dimensionCount];
        Span<byte> size = stackalloc byte[4];
        long total = 1;
        for (int d = 0; d < dimensionCount; d++)
        {
            if (ReadUpTo(content, size) < 4)
            {
                throw new IdxFormatException(name, $"truncated in the size of dimension {d}");
            }

            uint value = BinaryPrimitives.ReadUInt32BigEndian(size);
            if (value > int.MaxValue)
            {
                throw new IdxFormatException(name, $"dimension {d} is {value}, too large");
            }

            dimensions[d] = (int)value;
            total *= value;
            if (total > Array.MaxLength)
            {
                throw new IdxFormatException(name, $"dimensions {string.Join("x", dimensions[..(d + 1)])} hold more bytes than can be loaded");
            }
        }

        var data = new byte[total];
        int read = ReadUpTo(content, data);
        if (read < total)
        {
            throw new IdxFormatException(name, $"truncated: dimensions {string.Join("x", dimensions)} need {total} data bytes, found {read}");
        }

        if (content.ReadByte() != -1)
        {
            throw new IdxFormatException(name, $"has bytes after the {total} data bytes that dimensions {string.Join("x", dimensions)} call for");
        }

        return new IdxArray(dimensions, data);
    }

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>Replays bytes already read for format detection, then the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }

            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
