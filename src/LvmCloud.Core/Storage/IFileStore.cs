namespace LvmCloud.Core.Storage;

/// <summary>
/// A tree of files addressed by relative paths with '/' separators (<see cref="StorePath"/> rules): a local
/// folder (<see cref="FolderStore"/>) or a prefix in a blob container (the platform's <c>BlobStore</c>). The
/// pipelines read and write through this, so the same code runs on local folders and in blob storage.
/// A write replaces the whole file and becomes visible at once (readers never see half a file).
/// </summary>
public interface IFileStore
{
    /// <summary>Where <paramref name="path"/> lives, for messages: a full file path or a blob URL without query.</summary>
    string Describe(string path);

    /// <summary>The file's size and version, or null when there is no such file.</summary>
    Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Opens the file for reading.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Writes (or replaces) the whole file from <paramref name="content"/>, read to its end.</summary>
    Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default);

    /// <summary>Every file whose path starts with <paramref name="prefix"/> (a folder ends with '/'; "" lists all), in ordinal path order.</summary>
    IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", CancellationToken cancellationToken = default);

    /// <summary>Deletes the file; false when there was none.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
}

/// <summary>A file in a store: its path, size in bytes and an opaque version that changes whenever its content does (a blob's ETag).</summary>
public sealed record StoredFile(string Path, long Length, string Version);
