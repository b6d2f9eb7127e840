using LvmCloud.Core.Paths;

namespace LvmCloud.Core.Storage;

/// <summary>
/// Whole folders between an <see cref="IFileStore"/> and the local disk (the weight loaders and writers work on files):
/// the one prefix download and the one prefix upload.
/// </summary>
public static class FileStoreFolders
{
    /// <summary>
    /// Copies every file under <paramref name="prefix"/> of the store into <paramref name="directory"/> (paths relative
    /// to the prefix), each with <paramref name="download"/> (parallel ranges, resumable, checked against a SHA-256 in
    /// its metadata; a fresh <see cref="RangedDownload"/> when null). A file already in the folder at its listed length,
    /// with no partial download beside it, is kept (finished by an earlier attempt). Requests: the listing, then one
    /// read per range of each file (one per file up to <see cref="RangedDownload.RangeSize"/>).
    /// </summary>
    /// <returns>The number of files under the prefix.</returns>
    /// <exception cref="InvalidDataException">A listed path is unsafe, or a download does not match its SHA-256.</exception>
    public static async Task<int> DownloadFolderAsync(this IFileStore store, string prefix, string directory, RangedDownload? download = null, CancellationToken cancellationToken = default)
    {
        prefix = StorePath.RequirePrefix(prefix);
        download ??= new RangedDownload();
        var files = 0;
        await foreach (var file in store.ListAsync(prefix, cancellationToken))
        {
            var relative = file.Path[prefix.Length..];
            if (RelativePath.Check(relative) is { } problem)
                throw new InvalidDataException($"'{store.Describe(file.Path)}' has an unsafe path ({problem.Message}); it is not downloaded.");
            var target = Path.Combine(directory, relative.Replace('/', Path.DirectorySeparatorChar));
            files++;
            if (File.Exists(target) && new FileInfo(target).Length == file.Length && !File.Exists(target + RangedDownload.PartSuffix))
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await download.DownloadAsync(store, file, target, null, cancellationToken);
        }
        return files;
    }

    /// <summary>
    /// Copies every file under <paramref name="directory"/> into the store under <paramref name="prefix"/> (same
    /// relative paths), in path order; one write each (a blob store uploads large files in parallel blocks).
    /// </summary>
    /// <returns>The number of files copied.</returns>
    public static async Task<int> UploadFolderAsync(this IFileStore store, string directory, string prefix = "", CancellationToken cancellationToken = default)
    {
        prefix = StorePath.RequirePrefix(prefix);
        var files = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            await store.UploadFileAsync(prefix + Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/'), file, cancellationToken);
            files++;
        }
        return files;
    }
}
