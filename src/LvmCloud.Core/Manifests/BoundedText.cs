using System.Text;

namespace LvmCloud.Core.Manifests;

/// <summary>
/// Reads UTF-8 text of at most a given size: never more than <c>maxBytes + 1</c> bytes are buffered, so a file or
/// blob that is over its limit (or grew past it after its length was checked) is refused by the parser's size check
/// without being read whole.
/// </summary>
public static class BoundedText
{
    public static async Task<string> ReadAsync(Stream stream, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        long room = maxBytes + 1;
        while (room > 0)
        {
            int read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, room)), cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
            room -= read;
        }

        // A leading UTF-8 byte order mark is dropped, as File.ReadAllText and BinaryData do.
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        return Encoding.UTF8.GetString(bytes);
    }

    public static string ReadFile(string path, long maxBytes)
    {
        using var stream = File.OpenRead(path);
        return ReadAsync(stream, maxBytes).GetAwaiter().GetResult();
    }
}
