using System.IO.Compression;
using Microsoft.Win32.SafeHandles;

namespace LvmCloud.Vision.Checkpoints;

/// <summary>
/// Reads the bytes of stored tensors in order, each from its file: safetensors by offset (one handle per file,
/// no buffering), <c>torch.save</c> archives through their zip entry (stored entries are read as they lie in the file).
/// A file that ends before a tensor does is named with an <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class StoredTensorReader : IDisposable
{
    private readonly Dictionary<string, SafeFileHandle> handles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ZipArchive> archives = new(StringComparer.Ordinal);

    /// <summary>A sequential reader over <paramref name="tensor"/>'s bytes; the caller reads exactly <see cref="StoredTensor.ByteLength"/> bytes.</summary>
    public ITensorBytes Open(StoredTensor tensor)
    {
        if (tensor.ZipEntry is null)
        {
            if (!handles.TryGetValue(tensor.Path, out var handle))
                handles[tensor.Path] = handle = File.OpenHandle(tensor.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            return new FileBytes(handle, tensor);
        }

        if (!archives.TryGetValue(tensor.Path, out var archive))
            archives[tensor.Path] = archive = new ZipArchive(File.OpenRead(tensor.Path), ZipArchiveMode.Read, leaveOpen: false);
        var entry = archive.GetEntry(tensor.ZipEntry)
            ?? throw new InvalidDataException($"'{tensor.Path}' has no entry '{tensor.ZipEntry}' for tensor '{tensor.Name}' (the file changed after it was checked).");
        var stream = entry.Open();
        try
        {
            Skip(stream, tensor);
            return new StreamBytes(stream, tensor);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static void Skip(Stream stream, StoredTensor tensor)
    {
        if (tensor.Offset == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(tensor.Offset, SeekOrigin.Begin);
            return;
        }

        var discard = new byte[(int)Math.Min(tensor.Offset, 1 << 20)];
        for (long left = tensor.Offset; left > 0;)
        {
            int n = stream.Read(discard, 0, (int)Math.Min(left, discard.Length));
            if (n == 0) throw Truncated(tensor, 0);
            left -= n;
        }
    }

    internal static InvalidDataException Truncated(StoredTensor tensor, long got) => new(
        $"'{tensor.Path}' ({(File.Exists(tensor.Path) ? new FileInfo(tensor.Path).Length : 0)} bytes) ends inside tensor '{tensor.Name}' " +
        $"({got} of its {tensor.ByteLength} bytes read): the file is truncated or damaged; copy or download it again.");

    public void Dispose()
    {
        foreach (var handle in handles.Values) handle.Dispose();
        foreach (var archive in archives.Values) archive.Dispose();
        handles.Clear();
        archives.Clear();
    }

    /// <summary>Reads one tensor's bytes front to back.</summary>
    internal interface ITensorBytes : IDisposable
    {
        /// <summary>Fills <paramref name="destination"/> with the next bytes of the tensor.</summary>
        void ReadNext(Span<byte> destination);
    }

    private sealed class FileBytes(SafeFileHandle handle, StoredTensor tensor) : ITensorBytes
    {
        private long done;

        public void ReadNext(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                int n = RandomAccess.Read(handle, destination, tensor.Offset + done);
                if (n == 0) throw Truncated(tensor, done);
                done += n;
                destination = destination[n..];
            }
        }

        public void Dispose()
        {
        }
    }

    private sealed class StreamBytes(Stream stream, StoredTensor tensor) : ITensorBytes
    {
        private long done;

        public void ReadNext(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                int n = stream.Read(destination);
                if (n == 0) throw Truncated(tensor, done);
                done += n;
                destination = destination[n..];
            }
        }

        public void Dispose() => stream.Dispose();
    }
}
