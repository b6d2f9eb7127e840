using System.Diagnostics;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// The floor of a load: reading a model's files once, front to back, in 16 MB blocks. Cold when the page cache can be
/// dropped first (<c>sync; echo 3 &gt; /proc/sys/vm/drop_caches</c>, root only), else warm and said so.
/// </summary>
public static class ColdRead
{
    /// <summary>Writes dirty pages back and drops the page cache; false where this process may not (not root).</summary>
    public static bool DropPageCache()
    {
        try
        {
            using (var sync = Process.Start("sync")) sync.WaitForExit();
            File.WriteAllText("/proc/sys/vm/drop_caches", "3");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Seconds to read every file in <paramref name="files"/> once, and their bytes.</summary>
    public static (double Seconds, long Bytes) Read(IEnumerable<string> files)
    {
        var buffer = new byte[16 << 20];
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) bytes += n;
        }
        return (clock.Elapsed.TotalSeconds, bytes);
    }
}
