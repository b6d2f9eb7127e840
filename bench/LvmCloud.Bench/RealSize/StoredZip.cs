using System.IO.Compression;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// Rewrites a zip with every entry stored uncompressed, as <c>torch.save</c> writes its archives (TorchSharp.PyBridge's
/// pickler deflates them: random float32 weights shrink by ~8 % and then cost an inflate on every load, which a
/// release checkpoint does not).
/// </summary>
public static class StoredZip
{
    public static void Rewrite(string path)
    {
        string tmp = path + ".stored.tmp";
        using (var source = ZipFile.OpenRead(path))
        using (var target = ZipFile.Open(tmp, ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression);
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to, 1 << 20);
            }
        File.Move(tmp, path, overwrite: true);
    }
}
