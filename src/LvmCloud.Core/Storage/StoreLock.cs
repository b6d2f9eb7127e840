using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace LvmCloud.Core.Storage;

/// <summary>
/// The lock a <see cref="FolderStore"/> holds while it checks a write's condition and moves the file into place: a
/// semaphore within the process, and an exclusively opened lock file in the temp folder (named after the store's root)
/// between processes. Held for a check and a rename only.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate;
    private readonly FileStream _file;

    private StoreLock(SemaphoreSlim gate, FileStream file)
    {
        _gate = gate;
        _file = file;
    }

    public static async Task<StoreLock> AcquireAsync(string root, TimeSpan wait, CancellationToken cancellationToken)
    {
        var gate = InProcess.GetOrAdd(root, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(wait, cancellationToken))
            throw Timeout(root, wait);
        return Lock(root, gate, wait);
    }

    private static StoreLock Lock(string root, SemaphoreSlim gate, TimeSpan wait)
    {
        string name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..24];
        string path = Path.Combine(Path.GetTempPath(), $"lvm-folderstore-{name}.lock");
        var deadline = DateTime.UtcNow + wait;
        for (var delay = 1; ; delay = Math.Min(delay * 2, 50))
        {
            try
            {
                return new StoreLock(gate, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(delay); // another process holds it for a check and a rename
            }
            catch
            {
                gate.Release();
                throw;
            }
        }
    }

    private static TimeoutException Timeout(string root, TimeSpan wait) =>
        new($"The write lock of folder store '{root}' was not free within {wait.TotalSeconds:0} s: another process holds it (a write stuck on a slow disk?).");

    public void Dispose()
    {
        _file.Dispose();
        _gate.Release();
    }
}
