using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Storage;

namespace LvmCloud.Platform.Storage;

/// <summary>
/// An <see cref="IFileStore"/> over a blob container, optionally under a prefix (<c>results</c> +
/// <c>{batchId}/</c>, say). A write is one upload, so readers see the old blob or the new one, never half; a file
/// larger than <see cref="SingleUploadLimit"/> is uploaded in blocks of <see cref="BlockSize"/>, several at once, and
/// committed in one request. A file's version is its ETag; metadata is blob metadata; conditions are If-None-Match: *
/// and If-Match. Requests: info, a read (whole or a range), a write up to the single-upload limit, and a delete are one
/// each; a listing is one per 5,000 files (with metadata); a large write is one per block plus one commit.
/// The SDK lives here and in <see cref="SasIssuer"/>; no other code names a blob client.
/// </summary>
public sealed class BlobStore : IFileStore
{
    /// <summary>Files up to this size are written in one request.</summary>
    public const int SingleUploadLimit = 64 * 1024 * 1024;

    /// <summary>The block size of larger files.</summary>
    public const int BlockSize = 8 * 1024 * 1024;

    /// <summary>Blocks of one file uploaded at once.</summary>
    public const int UploadParallelism = 8;

    private readonly BlobContainerClient _container;
    private readonly StorageTransferOptions _transfer;

    public BlobStore(BlobContainerClient container, string prefix = "")
        : this(container, prefix, SingleUploadLimit, BlockSize)
    {
    }

    /// <param name="container">The container.</param>
    /// <param name="prefix">The folder inside it ("" for the whole container).</param>
    /// <param name="singleUploadLimit">Files up to this size are written in one request (tests lower it to see blocks).</param>
    /// <param name="blockSize">The block size of larger files.</param>
    public BlobStore(BlobContainerClient container, string prefix, int singleUploadLimit, int blockSize)
    {
        _container = container;
        Prefix = StorePath.RequirePrefix(prefix);
        _transfer = new StorageTransferOptions
        {
            InitialTransferSize = singleUploadLimit,
            MaximumTransferSize = blockSize,
            MaximumConcurrency = UploadParallelism,
        };
    }

    /// <summary>The folder inside the container, "" or ending with '/'.</summary>
    public string Prefix { get; }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    /// <summary>The blob behind a path: for <see cref="SasIssuer"/> only.</summary>
    internal BlobClient Blob(string path) => _container.GetBlobClient(Prefix + StorePath.Require(path));

    public string Describe(string path) => Blob(path).Uri.GetLeftPart(UriPartial.Path);

    /// <summary>Whether the container exists (one request); a store over a missing container has no files.</summary>
    public async Task<bool> ContainerExistsAsync(CancellationToken cancellationToken = default) =>
        (await _container.ExistsAsync(cancellationToken)).Value;

    public async Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await Blob(path).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return new StoredFile(path, properties.ContentLength, VersionOf(properties.ETag)) { Metadata = Metadata(properties.Metadata), LastModified = properties.LastModified };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        (await OpenAsync(path, null, null, cancellationToken)).Content;

    public async Task<OpenedFile> OpenAsync(string path, ByteRange? range = null, string? ifVersion = null, CancellationToken cancellationToken = default)
    {
        if (range is { Length: 0 } empty)
        {
            // A zero-length range is not a valid HTTP range: check the file and hand back no bytes.
            var info = await GetInfoAsync(path, cancellationToken) ?? throw NotFound(path, null);
            FileVersionChangedException.ThrowIfDifferent(Describe(path), ifVersion, info.Version);
            empty.CountIn(info.Length, Describe(path));
            return new OpenedFile(info, new MemoryStream([], writable: false));
        }
        try
        {
            var options = new BlobDownloadOptions
            {
                Range = range is { } r ? new HttpRange(r.Offset, r.Length) : default,
                Conditions = ifVersion is null ? null : new BlobRequestConditions { IfMatch = new ETag(ifVersion) },
            };
            var download = (await Blob(path).DownloadStreamingAsync(options, cancellationToken)).Value;
            var details = download.Details;
            long length = range is null ? details.ContentLength : TotalLength(details.ContentRange) ?? details.ContentLength;
            if (range is { } asked)
            {
                try
                {
                    asked.CountIn(length, Describe(path)); // the service answers 416; an emulator may send the whole blob instead
                }
                catch
                {
                    await download.Content.DisposeAsync();
                    throw;
                }
            }
            return new OpenedFile(new StoredFile(path, length, VersionOf(details.ETag)) { Metadata = Metadata(details.Metadata), LastModified = details.LastModified }, download.Content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw NotFound(path, e);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new FileVersionChangedException($"'{Describe(path)}' is no longer version {ifVersion}: it was replaced since.", e);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            throw new ArgumentOutOfRangeException($"Range {range} of '{Describe(path)}' does not lie within the blob.", e);
        }
    }

    public async Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        await TryWriteAsync(path, content, new FileWriteOptions { ContentType = contentType }, cancellationToken);

    public async Task<StoredFile?> TryWriteAsync(string path, Stream content, FileWriteOptions options, CancellationToken cancellationToken = default)
    {
        options.Checked(Describe(path));
        // A seekable stream stays seekable (the client retries a failed request by seeking back); another is counted.
        long start = content.CanSeek ? content.Position : 0;
        var counted = content.CanSeek ? null : new CountingReadStream(content);
        try
        {
            var written = await Blob(path).UploadAsync(counted ?? content, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = options.ContentType ?? ContentTypes.For(path) },
                Metadata = options.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata) : null,
                Conditions = options.IfAbsent ? new BlobRequestConditions { IfNoneMatch = ETag.All }
                    : options.IfVersion is { } version ? new BlobRequestConditions { IfMatch = new ETag(version) }
                    : null,
                TransferOptions = _transfer,
            }, cancellationToken);
            long length = counted?.BytesRead ?? content.Length - start;
            return new StoredFile(path, length, VersionOf(written.Value.ETag)) { LastModified = written.Value.LastModified, Metadata = options.Metadata ?? StoredFile.NoMetadata };
        }
        catch (RequestFailedException e) when ((options.IfAbsent && e.Status is 409 or 412) || (options.IfVersion is not null && e.Status is 404 or 409 or 412))
        {
            return null;
        }
    }

    public async IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, Prefix + prefix, cancellationToken))
            yield return File(blob);
    }

    public async IAsyncEnumerable<StoredFile> ListFolderAsync(string folder = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        folder = Prefix + StorePath.RequirePrefix(folder);
        await foreach (var entry in _container.GetBlobsByHierarchyAsync(BlobTraits.Metadata, BlobStates.None, "/", folder.Length == 0 ? null : folder, cancellationToken))
            if (entry.IsBlob)
                yield return File(entry.Blob);
    }

    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = Prefix + StorePath.RequirePrefix(prefix);
        await foreach (var entry in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix.Length == 0 ? null : prefix, cancellationToken))
            if (entry.IsPrefix)
                yield return entry.Prefix[prefix.Length..].TrimEnd('/');
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        (await Blob(path).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;

    private StoredFile File(BlobItem blob) =>
        new(blob.Name[Prefix.Length..], blob.Properties.ContentLength ?? 0, (blob.Properties.ETag is { } etag ? VersionOf(etag) : ""))
        {
            Metadata = Metadata(blob.Metadata),
            LastModified = blob.Properties.LastModified,
            ContentMd5 = blob.Properties.ContentHash is { Length: > 0 } md5 ? Convert.ToBase64String(md5) : null,
        };

    private FileNotFoundException NotFound(string path, Exception? inner) => new($"'{Describe(path)}' does not exist.", path, inner);

    private static IReadOnlyDictionary<string, string> Metadata(IDictionary<string, string>? metadata) =>
        metadata is { Count: > 0 } ? new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase) : StoredFile.NoMetadata;

    /// <summary>The whole blob's length from a Content-Range header ("bytes 0-99/1234").</summary>
    private static long? TotalLength(string? contentRange) =>
        contentRange is { } value && value.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? total
            : null;

    /// <summary>
    /// A file's version: its ETag without quotes. The service (and Azurite) quote an ETag in response headers but
    /// not in listings; one form keeps a version from a listing equal to the same blob's version read later.
    /// </summary>
    private static string VersionOf(ETag etag) => etag.ToString().Trim('"');
}
