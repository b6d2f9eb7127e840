namespace LvmCloud.Core.Storage;

/// <summary>
/// An <see cref="IFileStore"/> over a local folder. Writes go to a temporary file beside the target and are
/// moved into place, so a reader (or a process killed mid-write) never leaves half a file under the real name.
/// A file's version is its length and last-write time. Folders exist only while they hold files, as prefixes do in
/// blob storage: deleting a folder's last file removes the emptied folders up to the root.
/// </summary>
public sealed class FolderStore : IFileStore
{
    private const string PartialSuffix = ".partial-";

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

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"'{full}' does not exist.", full);
        return Task.FromResult<Stream>(new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true));
    }

    public async Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string partial = full + PartialSuffix + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await content.CopyToAsync(file, cancellationToken);
            File.Move(partial, full, overwrite: true);
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
            .Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal) && !f.Path.Contains(PartialSuffix, StringComparison.Ordinal))
            .OrderBy(f => f.Path, StringComparer.Ordinal);
        foreach (var (file, path) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            if (info.Exists) yield return Info(path, info);
        }
        await Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        string full = FullPath(path);
        if (!File.Exists(full)) return Task.FromResult(false);
        File.Delete(full);
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
        new(path, file.Length, $"{file.Length}-{file.LastWriteTimeUtc.Ticks}");
}
