using System.Text;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Core.Storage;

namespace LvmCloud.Cli.Models;

/// <summary>
/// Uploads one file to a block blob in blocks of <see cref="BlockSize"/> bytes, <see cref="Parallelism"/> at a time,
/// straight to storage (a connection string or a SAS URL: the client decides). Resumable: block ids are deterministic
/// (the file's SHA-256 prefix and the block's index), so a rerun reads the blob's uncommitted block list and sends only
/// the blocks it lacks. Checksummed: each block carries its transactional MD5 (storage refuses a block that arrives
/// damaged) and the commit stores the whole file's SHA-256 in the blob's metadata (<see cref="BlobChecksums"/>).
/// Costs one request per block plus two (block list, commit).
/// </summary>
public sealed class ResumableBlockUpload(int blockSize = ResumableBlockUpload.DefaultBlockSize, int parallelism = ResumableBlockUpload.DefaultParallelism)
{
    /// <summary>16 MiB: a 5 GB shard is about 300 requests, far under the 50,000 blocks a blob may have.</summary>
    public const int DefaultBlockSize = 16 * 1024 * 1024;

    public const int DefaultParallelism = 8;

    public int BlockSize { get; } = blockSize > 0 ? blockSize : throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "The block size must be positive.");

    public int Parallelism { get; } = parallelism > 0 ? parallelism : throw new ArgumentOutOfRangeException(nameof(parallelism), parallelism, "Parallelism must be positive.");

    /// <summary>
    /// Uploads <paramref name="path"/> (whose SHA-256 is <paramref name="sha256"/>) to <paramref name="blob"/>; reports
    /// bytes as blocks land (reused blocks count at once).
    /// </summary>
    public async Task<BlockUploadResult> UploadAsync(BlockBlobClient blob, string path, string sha256, string contentType,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        long length = new FileInfo(path).Length;
        int blocks = (int)Math.Max(1, (length + BlockSize - 1) / BlockSize);
        if (blocks > 50_000)
            throw new ArgumentException($"'{path}' ({length} bytes) needs {blocks} blocks of {BlockSize} bytes; a blob holds at most 50,000: use a larger block size.");
        if (await IsCommittedAsync(blob, length, sha256, cancellationToken))
        {
            progress?.Report(length);
            return new BlockUploadResult(blocks, 0, 0, 0, AlreadyCommitted: true);
        }

        var ids = Enumerable.Range(0, blocks).Select(i => BlockId(sha256, i)).ToList();
        var staged = await StagedAsync(blob, cancellationToken);
        var missing = new List<int>();
        for (int i = 0; i < blocks; i++)
        {
            if (staged.TryGetValue(ids[i], out long size) && size == BlockLength(length, i))
                progress?.Report(size);
            else
                missing.Add(i);
        }

        int sent = 0;
        long bytesSent = 0;
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (index, ct) =>
        {
            long offset = (long)index * BlockSize;
            int count = (int)BlockLength(length, index);
            var buffer = new byte[count];
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
            {
                file.Position = offset;
                await file.ReadExactlyAsync(buffer, ct);
            }
            using var content = new MemoryStream(buffer, writable: false);
            await blob.StageBlockAsync(ids[index], content, new BlockBlobStageBlockOptions
            {
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
            }, ct);
            Interlocked.Increment(ref sent);
            Interlocked.Add(ref bytesSent, count);
            progress?.Report(count);
        });

        await blob.CommitBlockListAsync(ids, new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Metadata = new Dictionary<string, string> { [BlobChecksums.Sha256MetadataKey] = sha256 },
        }, cancellationToken);
        return new BlockUploadResult(blocks, sent, blocks - missing.Count, bytesSent, AlreadyCommitted: false);
    }

    /// <summary>Same length for every block id of a file: <c>{sha256 prefix}-{index}</c>, base64.</summary>
    public static string BlockId(string sha256, int index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{sha256[..16]}-{index:D6}"));

    private long BlockLength(long length, int index) => Math.Min(BlockSize, length - (long)index * BlockSize);

    private static async Task<bool> IsCommittedAsync(BlockBlobClient blob, long length, string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return properties.ContentLength == length
                   && properties.Metadata.TryGetValue(BlobChecksums.Sha256MetadataKey, out var stored) && stored == sha256;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>The blocks an interrupted run staged (uncommitted), by id with their sizes.</summary>
    private static async Task<Dictionary<string, long>> StagedAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var list = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken)).Value;
            return list.UncommittedBlocks.ToDictionary(b => b.Name, b => b.SizeLong, StringComparer.Ordinal);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new Dictionary<string, long>(StringComparer.Ordinal);
        }
    }
}
