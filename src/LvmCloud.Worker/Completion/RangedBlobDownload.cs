using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Storage;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// Downloads one blob into a file in parallel ranges of <see cref="RangeSize"/> bytes. The bytes go to
/// <c>{target}.part</c>; a sidecar <c>{target}.part.json</c> records the blob's ETag and the ranges already written, so
/// a download that stopped (a crash, a redeploy) resumes with the ranges it lacks, provided the blob did not change.
/// When the blob's metadata carries a SHA-256 (<see cref="BlobChecksums"/>, written by <c>lvm models push</c>), the
/// finished file is hashed and compared; a mismatch deletes the staged file and throws. Then the file is moved into place.
/// </summary>
public sealed class RangedBlobDownload(int rangeSize = RangedBlobDownload.DefaultRangeSize, int parallelism = RangedBlobDownload.DefaultParallelism)
{
    public const int DefaultRangeSize = 16 * 1024 * 1024;
    public const int DefaultParallelism = 8;
    public const string PartSuffix = ".part";
    public const string ProgressSuffix = ".part.json";

    public int RangeSize { get; } = rangeSize > 0 ? rangeSize : throw new ArgumentOutOfRangeException(nameof(rangeSize), rangeSize, "The range size must be positive.");

    /// <summary>Ranges fetched by this instance (resumed ranges are not fetched again); for tests and logs.</summary>
    public int RangesFetched => _fetched;

    private int _fetched;

    /// <exception cref="InvalidDataException">The downloaded bytes do not match the SHA-256 in the blob's metadata.</exception>
    /// <param name="blob">The blob to read.</param>
    /// <param name="target">The file to create (replaced when it exists).</param>
    /// <param name="progress">Told the bytes of each range once it is written and recorded.</param>
    /// <param name="cancellationToken">Stops between ranges; what was written is kept for the next attempt.</param>
    public async Task DownloadAsync(BlobClient blob, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        long length = properties.ContentLength;
        string etag = properties.ETag.ToString();
        string part = target + PartSuffix, sidecar = target + ProgressSuffix;
        int ranges = (int)((length + RangeSize - 1) / RangeSize);
        var state = ReadProgress(sidecar);
        if (state is null || state.ETag != etag || state.Length != length || state.RangeSize != RangeSize || !File.Exists(part))
            state = new DownloadProgress(etag, length, RangeSize, []);
        var done = new HashSet<int>(state.Done);
        var gate = new Lock();

        using (var file = File.OpenHandle(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous))
        {
            RandomAccess.SetLength(file, length);
            var missing = Enumerable.Range(0, ranges).Where(i => !done.Contains(i)).ToList();
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (index, ct) =>
            {
                long offset = (long)index * RangeSize;
                int count = (int)Math.Min(RangeSize, length - offset);
                var buffer = new byte[count];
                var response = await blob.DownloadStreamingAsync(new BlobDownloadOptions
                {
                    Range = new HttpRange(offset, count),
                    Conditions = new BlobRequestConditions { IfMatch = properties.ETag },
                }, ct);
                await using (var content = response.Value.Content)
                    await content.ReadExactlyAsync(buffer, ct);
                await RandomAccess.WriteAsync(file, buffer, offset, ct);
                Interlocked.Increment(ref _fetched);
                lock (gate)
                {
                    done.Add(index);
                    WriteProgress(sidecar, state with { Done = [.. done.Order()] });
                    progress?.Report(count);
                }
            });
        }

        if (properties.Metadata.TryGetValue(BlobChecksums.Sha256MetadataKey, out var expected))
        {
            var actual = await BlobChecksums.Sha256Async(part, cancellationToken);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(part);
                File.Delete(sidecar);
                throw new InvalidDataException($"Blob '{blob.Name}' ({length} bytes) downloaded with SHA-256 {actual}, but its metadata says {expected}: the stored bytes are damaged or were replaced; push the model again.");
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
