namespace LvmCloud.Core.Storage;

/// <summary>A part of a file: <see cref="Length"/> bytes from <see cref="Offset"/> (null: to the end); cut at the end of the file.</summary>
public readonly record struct ByteRange(long Offset, long? Length = null)
{
    /// <summary>The number of bytes the range covers in a file of <paramref name="fileLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range starts at or beyond the end (other than offset 0 of an empty file), or is negative.</exception>
    public long CountIn(long fileLength, string where)
    {
        if (Offset < 0 || Length < 0 || (Offset >= fileLength && Offset != 0))
            throw new ArgumentOutOfRangeException(nameof(Offset), $"Range {Offset}+{Length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "rest"} of '{where}' does not lie within its {fileLength} bytes.");
        return Math.Min(Length ?? long.MaxValue, fileLength - Offset);
    }

    /// <summary>A stream over the range of <paramref name="stream"/> (seeked when it can, else skipped); disposes it with itself.</summary>
    public static async Task<Stream> SliceAsync(Stream stream, ByteRange range, long fileLength, string where, CancellationToken cancellationToken)
    {
        long count;
        try
        {
            count = range.CountIn(fileLength, where);
            if (stream.CanSeek)
                stream.Seek(range.Offset, SeekOrigin.Begin);
            else
                await SkipAsync(stream, range.Offset, cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
        return new BoundedReadStream(stream, count);
    }

    private static async Task SkipAsync(Stream stream, long bytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(bytes, 81920)];
        while (bytes > 0)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(bytes, buffer.Length)), cancellationToken);
            if (n == 0) return;
            bytes -= n;
        }
    }
}
