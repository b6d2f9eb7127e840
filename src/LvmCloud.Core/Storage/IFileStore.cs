namespace LvmCloud.Core.Storage;

/// <summary>
/// A tree of files addressed by relative paths with '/' separators (<see cref="StorePath"/> rules): a local
/// folder (<see cref="FolderStore"/>) or a prefix in a blob container (the platform's <c>BlobStore</c>). The
/// pipelines read and write through this, so the same code runs on local folders and in blob storage; it is the one
/// way to files in storage (whole-folder copies, ranged parallel downloads and the like are built on it in
/// <see cref="FileStoreExtensions"/>, <see cref="FileStoreFolders"/> and <see cref="RangedDownload"/>).
/// A write replaces the whole file and becomes visible at once (readers never see half a file).
/// </summary>
public interface IFileStore
{
    /// <summary>Where <paramref name="path"/> lives, for messages: a full file path or a blob URL without query.</summary>
    string Describe(string path);

    /// <summary>The file's size, version and metadata, or null when there is no such file.</summary>
    Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Opens the file for reading.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the file, or <paramref name="range"/> of it, for reading, with the size, version and metadata of what is
    /// read (from the read itself: no extra request). With <paramref name="ifVersion"/>, reads only that version.
    /// The default reads the info, then the file, and skips to the range: stores override it with one request.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="FileVersionChangedException">The file's version is not <paramref name="ifVersion"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range starts beyond the end of the file.</exception>
    async Task<OpenedFile> OpenAsync(string path, ByteRange? range = null, string? ifVersion = null, CancellationToken cancellationToken = default)
    {
        var info = await GetInfoAsync(path, cancellationToken) ?? throw new FileNotFoundException($"'{Describe(path)}' does not exist.", path);
        FileVersionChangedException.ThrowIfDifferent(Describe(path), ifVersion, info.Version);
        var stream = await OpenReadAsync(path, cancellationToken);
        return new OpenedFile(info, range is { } r ? await ByteRange.SliceAsync(stream, r, info.Length, Describe(path), cancellationToken) : stream);
    }

    /// <summary>Writes (or replaces) the whole file from <paramref name="content"/>, read to its end.</summary>
    Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the whole file from <paramref name="content"/> with the content type, metadata and condition of
    /// <paramref name="options"/>, atomically with the condition check: the file as written (its version and time), or
    /// null when the condition did not hold (the file exists for <see cref="FileWriteOptions.IfAbsent"/>, or is missing or another version for
    /// <see cref="FileWriteOptions.IfVersion"/>) and nothing was written.
    /// </summary>
    Task<StoredFile?> TryWriteAsync(string path, Stream content, FileWriteOptions options, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not write with conditions or metadata ('{Describe(path)}').");

    /// <summary>Every file whose path starts with <paramref name="prefix"/> (a folder ends with '/'; "" lists all), in ordinal path order, with metadata.</summary>
    IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", CancellationToken cancellationToken = default);

    /// <summary>
    /// The names of the folders directly under <paramref name="prefix"/> (a folder ends with '/'; "" for the top), in
    /// ordinal order, without the prefix or a trailing '/'. The default lists every file below: stores override it
    /// with a listing of one level.
    /// </summary>
    async IAsyncEnumerable<string> ListFoldersAsync(string prefix = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = StorePath.RequirePrefix(prefix);
        string? last = null;
        await foreach (var file in ListAsync(prefix, cancellationToken))
        {
            int slash = file.Path.IndexOf('/', prefix.Length);
            if (slash < 0) continue;
            var name = file.Path[prefix.Length..slash];
            if (name != last) yield return last = name;
        }
    }

    /// <summary>
    /// The files directly in <paramref name="folder"/> ("" or ending with '/'), not those in its sub-folders, in ordinal
    /// path order. The default lists every file below: stores override it with a listing of one level.
    /// </summary>
    async IAsyncEnumerable<StoredFile> ListFolderAsync(string folder = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        folder = StorePath.RequirePrefix(folder);
        await foreach (var file in ListAsync(folder, cancellationToken))
            if (file.Path.IndexOf('/', folder.Length) < 0)
                yield return file;
    }

    /// <summary>Deletes the file; false when there was none.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
}
