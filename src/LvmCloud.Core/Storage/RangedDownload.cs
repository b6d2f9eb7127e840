using System.Text.Json;

namespace LvmCloud.Core.Storage;

/// <summary>
/// Downloads one file of an <see cref="IFileStore"/> into a local file in parallel ranges of <see cref="RangeSize"/>
/// bytes, each read pinned to the version that was listed (<see cref="IFileStore.OpenAsync"/> with <c>ifVersion</c>).
/// The bytes go to <c>{target}.part</c>; a sidecar <c>{target}.part.json</c> records the version and the ranges already
/// written, so a download that stopped (a crash, a redeploy) resumes with the ranges it lacks, provided the file did not
/// change. When the file's metadata carries a SHA-256 (<see cref="BlobChecksums"/>, written by <c>lvm models push</c>),
/// the finished file is hashed and compared; a mismatch deletes the staged file and throws. Then the file is moved
/// into place. Requests: one read per range (a file up to one range is one read), plus the info when not given.
/// </summary>
public sealed class RangedDownload(int rangeSize = RangedDownload.DefaultRangeSize, int parallelism = RangedDownload.DefaultParallelism)
{
    public const int DefaultRangeSize = 16 * 1024 * 1024;
    public const int DefaultParallelism = 8;
    public const string PartSuffix = ".part";
    public const string ProgressSuffix = ".part.json";

    public int RangeSize { get; } = rangeSize > 0 ? rangeSize : throw new ArgumentOutOfRangeException(nameof(rangeSize), rangeSize, "The range size must be positive.");

    /// <summary>Ranges fetched by this instance (resumed ranges are not fetched again); for tests and logs.</summary>
    public int RangesFetched => _fetched;

    private int _fetched;

    /// <summary>Reads the file's info (one request), then downloads it.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public async Task DownloadAsync(IFileStore store, string path, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var file = await store.GetInfoAsync(path, cancellationToken) ?? throw new FileNotFoundException($"'{store.Describe(path)}' does not exist.", path);
        await DownloadAsync(store, file, target, progress, cancellationToken);
    }

    /// <exception cref="InvalidDataException">The downloaded bytes do not match the SHA-256 in the file's metadata.</exception>
    /// <exception cref="FileVersionChangedException">The file was replaced after <paramref name="file"/> was listed.</exception>
    /// <param name="store">The store to read.</param>
    /// <param name="file">The file as listed (its length, version and metadata are used; no request for them).</param>
    /// <param name="target">The file to create (replaced when it exists).</param>
    /// <param name="progress">Told the bytes of each range once it is written and recorded.</param>
    /// <param name="cancellationToken">Stops between ranges; what was written is kept for the next attempt.</param>
    public async Task DownloadAsync(IFileStore store, StoredFile file, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        long length = file.Length;
        string part = target + PartSuffix, sidecar = target + ProgressSuffix;
        int ranges = (int)((length + RangeSize - 1) / RangeSize);
        var state = ReadProgress(sidecar);
        if (state is null || state.ETag != file.Version || state.Length != length || state.RangeSize != RangeSize || !File.Exists(part))
            state = new DownloadProgress(file.Version, length, RangeSize, []);
        var done = new HashSet<int>(state.Done);
        var gate = new Lock();

        using (var handle = File.OpenHandle(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous))
        {
            RandomAccess.SetLength(handle, length);
            var missing = Enumerable.Range(0, ranges).Where(i => !done.Contains(i)).ToList();
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (index, ct) =>
            {
                long offset = (long)index * RangeSize;
                int count = (int)Math.Min(RangeSize, length - offset);
                var buffer = new byte[count];
                await using (var opened = await store.OpenAsync(file.Path, new ByteRange(offset, count), file.Version, ct))
                    await opened.Content.ReadExactlyAsync(buffer, ct);
                await RandomAccess.WriteAsync(handle, buffer, offset, ct);
                Interlocked.Increment(ref _fetched);
                lock (gate)
                {
                    done.Add(index);
                    WriteProgress(sidecar, state with { Done = [.. done.Order()] });
                    progress?.Report(count);
                }
            });
        }

        if (file.Metadata.TryGetValue(BlobChecksums.Sha256MetadataKey, out var expected))
        {
            var actual = await BlobChecksums.Sha256Async(part, cancellationToken);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(part);
                File.Delete(sidecar);
                throw new InvalidDataException($"'{store.Describe(file.Path)}' ({length} bytes) downloaded with SHA-256 {actual}, but its metadata says {expected}: the stored bytes are damaged or were replaced; push the model again.");
            }
        }
        File.Move(part, target, overwrite: true);
        File.Delete(sidecar);
    }

    private sealed record DownloadProgress(string ETag, long Length, int RangeSize, int[] Done);

    private static DownloadProgress? ReadProgress(string sidecar)
    {
        try
        {
            return File.Exists(sidecar) ? JsonSerializer.Deserialize<DownloadProgress>(File.ReadAllText(sidecar)) : null;
        }
        catch (JsonException)
        {
            return null; // a sidecar cut short by a crash: start the file again
        }
    }

    private static void WriteProgress(string sidecar, DownloadProgress progress)
    {
        File.WriteAllText(sidecar + ".tmp", JsonSerializer.Serialize(progress));
        File.Move(sidecar + ".tmp", sidecar, overwrite: true);
    }
}
