namespace LvmCloud.Worker.Completion;

/// <summary>
/// An exclusive lock on one cache folder, held while it is downloaded, for every worker process (and every model store
/// in one process) that shares the cache: a lock file opened with <see cref="FileShare.None"/>, which .NET takes as an
/// advisory <c>flock</c> on Unix. The download's staging folder has a fixed name so that a restarted download resumes;
/// without this lock two workers fetching the same model at once wrote into it together and one failed its message.
/// </summary>
public static class CacheFolderLock
{
    /// <summary>How often a waiting worker tries the lock again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until this caller holds the lock on <paramref name="folder"/>; dispose the result to release it.</summary>
    public static async Task<IDisposable> AcquireAsync(string folder, CancellationToken cancellationToken)
    {
        var path = folder + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            }
            catch (IOException) when (File.Exists(path))
            {
                await Task.Delay(RetryInterval, cancellationToken); // another worker is downloading the same model
            }
        }
    }
}
