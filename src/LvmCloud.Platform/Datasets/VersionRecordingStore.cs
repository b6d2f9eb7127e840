using System.Collections.Concurrent;
using LvmCloud.Core.Storage;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// A dataset's blobs as an <see cref="IFileStore"/> that remembers the ETag of every file it opened (or that a file
/// was missing), from the download itself: the versions a shard was made from, with no extra request per image.
/// </summary>
public sealed class VersionRecordingStore(IFileStore inner) : IFileStore
{
    private readonly ConcurrentDictionary<string, string> _read = new(StringComparer.Ordinal);

    /// <summary>Path → ETag (unquoted) or <see cref="SourceVersions.Missing"/>, for every file opened so far.</summary>
    public IReadOnlyDictionary<string, string> Read => _read;

    public string Describe(string path) => inner.Describe(path);

    public Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default) => inner.GetInfoAsync(path, cancellationToken);

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        (await OpenAsync(path, null, null, cancellationToken)).Content;

    public async Task<OpenedFile> OpenAsync(string path, ByteRange? range = null, string? ifVersion = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var opened = await inner.OpenAsync(path, range, ifVersion, cancellationToken);
            _read[path] = SourceVersions.Normalize(opened.Info.Version);
            return opened;
        }
        catch (FileNotFoundException)
        {
            _read[path] = SourceVersions.Missing;
            throw;
        }
    }

    public Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A dataset is read, never written, by a tokenize job.");

    public IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A dataset is read, never written, by a tokenize job.");
}
