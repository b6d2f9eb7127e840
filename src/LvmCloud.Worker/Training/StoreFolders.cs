using LvmCloud.Core.Storage;

namespace LvmCloud.Worker.Training;

/// <summary>Whole folders between an <see cref="IFileStore"/> and the local disk: the weight loaders and writers work on files.</summary>
public static class StoreFolders
{
    /// <summary>Copies every file of <paramref name="store"/> into <paramref name="directory"/>; the number of files.</summary>
    public static async Task<int> DownloadAsync(IFileStore store, string directory, CancellationToken cancellationToken)
    {
        var files = 0;
        await foreach (var file in store.ListAsync("", cancellationToken))
        {
            await store.DownloadFileAsync(file.Path, Path.Combine(directory, file.Path.Replace('/', Path.DirectorySeparatorChar)), cancellationToken);
            files++;
        }
        return files;
    }

    /// <summary>Copies every file under <paramref name="directory"/> into <paramref name="store"/> (same relative paths), in path order.</summary>
    public static async Task UploadAsync(string directory, IFileStore store, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            await store.UploadFileAsync(Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/'), file, cancellationToken);
    }

    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public static TemporaryFolder Temporary(string prefix) => new(Directory.CreateTempSubdirectory(prefix).FullName);
}
