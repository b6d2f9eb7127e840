using System.Text;

namespace LvmCloud.Core.Storage;

/// <summary>Whole-file reads and writes, and sub-folder views, over any <see cref="IFileStore"/>.</summary>
public static class FileStoreExtensions
{
    /// <summary>A view of <paramref name="folder"/> inside the store (paths relative to it).</summary>
    public static IFileStore Under(this IFileStore store, string folder) =>
        folder.Length == 0 ? store : new PrefixedStore(store, folder);

    public static async Task<bool> ExistsAsync(this IFileStore store, string path, CancellationToken cancellationToken = default) =>
        await store.GetInfoAsync(path, cancellationToken) is not null;

    public static async Task<byte[]> ReadAllBytesAsync(this IFileStore store, string path, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(path, cancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>The file's bytes, refusing files larger than <paramref name="maxBytes"/> before reading them.</summary>
    /// <exception cref="InvalidDataException">The file is larger than the limit.</exception>
    public static async Task<byte[]> ReadAllBytesAsync(this IFileStore store, string path, long maxBytes, CancellationToken cancellationToken = default)
    {
        var info = await store.GetInfoAsync(path, cancellationToken)
            ?? throw new FileNotFoundException($"'{store.Describe(path)}' does not exist.", path);
        if (info.Length > maxBytes)
            throw new InvalidDataException($"'{path}' is {info.Length} bytes, more than the limit of {maxBytes}.");
        return await store.ReadAllBytesAsync(path, cancellationToken);
    }

    public static async Task<string> ReadAllTextAsync(this IFileStore store, string path, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await store.ReadAllBytesAsync(path, cancellationToken));

    /// <summary>The file's text, or null when there is no such file.</summary>
    public static async Task<string?> TryReadAllTextAsync(this IFileStore store, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.ReadAllTextAsync(path, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public static async Task WriteBytesAsync(this IFileStore store, string path, ReadOnlyMemory<byte> bytes, string? contentType = null, CancellationToken cancellationToken = default)
    {
        using var stream = new ReadOnlyMemoryStream(bytes);
        await store.WriteAsync(path, stream, contentType, cancellationToken);
    }

    public static Task WriteTextAsync(this IFileStore store, string path, string text, string? contentType = null, CancellationToken cancellationToken = default) =>
        store.WriteBytesAsync(path, Encoding.UTF8.GetBytes(text), contentType ?? ContentTypes.For(path), cancellationToken);

    /// <summary>Writes the text with a condition and metadata (<see cref="IFileStore.TryWriteAsync"/>): the file as written, or null when the condition did not hold.</summary>
    public static async Task<StoredFile?> TryWriteTextAsync(this IFileStore store, string path, string text, FileWriteOptions options, CancellationToken cancellationToken = default)
    {
        using var stream = new ReadOnlyMemoryStream(Encoding.UTF8.GetBytes(text));
        return await store.TryWriteAsync(path, stream, options, cancellationToken);
    }

    /// <summary>The file's text with the version read (one request), or null when there is no such file.</summary>
    public static async Task<(string Text, StoredFile Info)?> TryReadTextWithInfoAsync(this IFileStore store, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var opened = await store.OpenAsync(path, null, null, cancellationToken);
            using var reader = new StreamReader(opened.Content, Encoding.UTF8);
            return (await reader.ReadToEndAsync(cancellationToken), opened.Info);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Copies a local file into the store.</summary>
    public static async Task UploadFileAsync(this IFileStore store, string path, string localFile, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(localFile);
        await store.WriteAsync(path, stream, ContentTypes.For(path), cancellationToken);
    }

    /// <summary>
    /// Copies a file of the store to a local file (written beside it first, then moved into place) in one read; with
    /// <paramref name="ifVersion"/>, only that version (<see cref="FileVersionChangedException"/> otherwise). Large files
    /// that should come in parallel ranges go through <see cref="RangedDownload"/>.
    /// </summary>
    public static Task DownloadFileAsync(this IFileStore store, string path, string localFile, CancellationToken cancellationToken = default) =>
        store.DownloadFileAsync(path, localFile, null, cancellationToken);

    /// <inheritdoc cref="DownloadFileAsync(IFileStore, string, string, CancellationToken)"/>
    public static async Task DownloadFileAsync(this IFileStore store, string path, string localFile, string? ifVersion, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(localFile))!);
        string partial = localFile + ".download-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var source = ifVersion is null ? await store.OpenReadAsync(path, cancellationToken) : (await store.OpenAsync(path, null, ifVersion, cancellationToken)).Content)
            await using (var target = File.Create(partial))
                await source.CopyToAsync(target, cancellationToken);
            File.Move(partial, localFile, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> bytes) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;
        public override long Position { get => _position; set => _position = Math.Clamp(value, 0, bytes.Length); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, bytes.Length - _position);
            bytes.Span.Slice((int)_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => bytes.Length + offset,
        };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
