namespace LvmCloud.Core.Storage;

/// <summary>
/// An <see cref="IFileStore"/> over a local folder. Writes go to a temporary file beside the target and are
/// moved into place, so a reader (or a process killed mid-write) never leaves half a file under the real name.
/// A file's version is its length and last-write time. Folders exist only while they hold files, as prefixes do in
/// blob storage: deleting a folder's last file removes the emptied folders up to the root. Metadata is kept in a
/// hidden sidecar <c>{file}.lvm-metadata.json</c> (never listed), written before the file is moved into place.
/// Conditional writes check and move under a lock shared by every process using the same folder (a locked file
/// in the temp folder), so "create once" and "replace this version" hold between conditional writers of any process,
/// as they do in blob storage; unconditional writes do not wait for it.
/// </summary>
public sealed class FolderStore : IFileStore
{
    private const string PartialSuffix = ".partial-";
    private const string MetadataSuffix = ".lvm-metadata.json";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    public FolderStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string Describe(string path) => FullPath(path);

    /// <summary>The local file behind <paramref name="path"/> (checked like every store path).</summary>
    public string FullPath(string path) => Path.Combine(Root, StorePath.Require(path).Replace('/', Path.DirectorySeparatorChar));

    public Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(FullPath(path));
        return Task.FromResult(file.Exists ? Info(path, file) : null);
    }

    public async Task<OpenedFile> OpenAsync(string path, ByteRange? range = null, string? ifVersion = null, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"'{full}' does not exist.", full, e);
        }
        StoredFile info;
        try
        {
            // The open handle keeps the bytes of this version even if a writer moves a new file into place now.
            info = Info(path, new FileInfo(full)) with { Length = stream.Length };
            FileVersionChangedException.ThrowIfDifferent(full, ifVersion, info.Version);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
        return new OpenedFile(info, range is { } r ? await ByteRange.SliceAsync(stream, r, info.Length, full, cancellationToken) : stream);
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"'{full}' does not exist.", full);
        return Task.FromResult<Stream>(new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true));
    }

    public async Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        await TryWriteAsync(path, content, new FileWriteOptions { ContentType = contentType }, cancellationToken);

    public async Task<StoredFile?> TryWriteAsync(string path, Stream content, FileWriteOptions options, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        options.Checked(full);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string partial = full + PartialSuffix + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await content.CopyToAsync(file, cancellationToken);
            using var held = options.IfAbsent || options.IfVersion is not null ? await StoreLock.AcquireAsync(Root, LockWait, cancellationToken) : null;
            if (options.IfAbsent && File.Exists(full))
                return null;
            if (options.IfVersion is { } version && (!File.Exists(full) || Info(path, new FileInfo(full)).Version != version))
                return null;
            WriteMetadata(full, options.Metadata);
            File.Move(partial, full, overwrite: true);
            return Info(path, new FileInfo(full));
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    public async IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The deepest folder the prefix names, then a filter on the rest ("items/a" lists items/a.png and items/a/...).
        int slash = prefix.LastIndexOf('/');
        string folder = slash < 0 ? Root : FullPath(prefix[..slash]);
        if (!Directory.Exists(folder)) yield break;
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (File: f, Path: Path.GetRelativePath(Root, f).Replace(Path.DirectorySeparatorChar, '/')))
            .Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal));
        foreach (var info in Listed(files, cancellationToken))
            yield return info;
        await Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredFile> ListFolderAsync(string folder = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        folder = StorePath.RequirePrefix(folder);
        string full = folder.Length == 0 ? Root : FullPath(folder.TrimEnd('/'));
        if (!Directory.Exists(full)) yield break;
        var files = Directory.EnumerateFiles(full).Select(f => (File: f, Path: folder + Path.GetFileName(f)));
        foreach (var info in Listed(files, cancellationToken))
            yield return info;
        await Task.CompletedTask;
    }

    /// <summary>
    /// The stored files among <paramref name="files"/> (local file, store path), in store-path order: partial writes and
    /// metadata sidecars are never listed, and a file removed while listing is skipped.
    /// </summary>
    private static IEnumerable<StoredFile> Listed(IEnumerable<(string File, string Path)> files, CancellationToken cancellationToken)
    {
        var ordered = files
            .Where(f => !f.Path.Contains(PartialSuffix, StringComparison.Ordinal) && !f.Path.Contains(MetadataSuffix, StringComparison.Ordinal))
            .OrderBy(f => f.Path, StringComparer.Ordinal);
        foreach (var (file, path) in ordered)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            if (info.Exists) yield return Info(path, info);
        }
    }

    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix = "", [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = StorePath.RequirePrefix(prefix);
        string folder = prefix.Length == 0 ? Root : FullPath(prefix.TrimEnd('/'));
        if (!Directory.Exists(folder)) yield break;
        foreach (var name in Directory.EnumerateDirectories(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name!;
        }
        await Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        if (!File.Exists(full)) return Task.FromResult(false);
        File.Delete(full);
        File.Delete(full + MetadataSuffix);
        RemoveEmptyFolders(Path.GetDirectoryName(full)!);
        return Task.FromResult(true);
    }

    /// <summary>Removes <paramref name="folder"/> and its parents while they are empty, stopping at the root.</summary>
    private void RemoveEmptyFolders(string folder)
    {
        string root = Path.TrimEndingDirectorySeparator(Root);
        while (folder.Length > root.Length && folder.StartsWith(root, StringComparison.Ordinal) && Directory.Exists(folder)
               && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            try
            {
                Directory.Delete(folder);
            }
            catch (IOException)
            {
                return; // a writer put something there meanwhile: the folder is in use again
            }
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    private static StoredFile Info(string path, FileInfo file) =>
        new(path, file.Length, $"{file.Length}-{file.LastWriteTimeUtc.Ticks}")
        {
            Metadata = ReadMetadata(file.FullName),
            LastModified = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero),
        };

    private static IReadOnlyDictionary<string, string> ReadMetadata(string full)
    {
        try
        {
            return File.Exists(full + MetadataSuffix)
                ? System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(full + MetadataSuffix)) ?? StoredFile.NoMetadata
                : StoredFile.NoMetadata;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return StoredFile.NoMetadata; // removed or rewritten meanwhile: the file is being replaced
        }
    }

    /// <summary>Writes (or removes, for none) the metadata sidecar; the file itself is moved into place right after.</summary>
    private static void WriteMetadata(string full, IReadOnlyDictionary<string, string>? metadata)
    {
        string sidecar = full + MetadataSuffix;
        if (metadata is not { Count: > 0 })
        {
            File.Delete(sidecar);
            return;
        }
        File.WriteAllText(sidecar + ".tmp", System.Text.Json.JsonSerializer.Serialize(metadata));
        File.Move(sidecar + ".tmp", sidecar, overwrite: true);
    }
}
