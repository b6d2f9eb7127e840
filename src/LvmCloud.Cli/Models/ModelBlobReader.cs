using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Storage;

namespace LvmCloud.Cli.Models;

/// <summary>
/// A read-only <see cref="IFileStore"/> over the blobs of one registered model, paths relative to its
/// <c>{name}/{version}/</c> prefix, so that <see cref="RangedDownload"/> (parallel, resumable, SHA-256 checked ranges)
/// serves <c>lvm models pull</c>. A file's version is its quoted ETag, the same from the listing and from each ranged read.
/// The two ways to reach the blobs say how a path becomes a blob and what the model holds: <see cref="StoragePullSource"/>
/// (a connection string) and <see cref="ApiPullSource"/> (read URLs granted by the API).
/// </summary>
public abstract class ModelBlobReader : IFileStore
{
    /// <summary>The blob behind a path of the model (relative to its prefix).</summary>
    protected abstract BlobClient Blob(string path);

    /// <summary>Every file of the model under <paramref name="prefix"/> (relative), with its length, ETag and metadata, in ordinal order.</summary>
    public abstract IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", CancellationToken cancellationToken = default);

    public virtual string Describe(string path) => Blob(path).Uri.GetLeftPart(UriPartial.Path); // no SAS query in messages

    /// <summary>Whether access can be asked for again when storage refuses it (a SAS that expired mid-pull).</summary>
    public virtual bool CanRenew => false;

    /// <summary>Asks for fresh access: always when <paramref name="force"/>, else only when the current access is about to expire.</summary>
    public virtual Task RenewAsync(bool force, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await Blob(path).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return new StoredFile(path, properties.ContentLength, properties.ETag.ToString("H"))
            {
                Metadata = new Dictionary<string, string>(properties.Metadata),
                LastModified = properties.LastModified,
                ContentMd5 = properties.ContentHash is { Length: > 0 } md5 ? Convert.ToBase64String(md5) : null,
            };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        (await OpenAsync(path, null, null, cancellationToken)).Content;

    /// <summary>One ranged read pinned to <paramref name="ifVersion"/> (a zero-length range reads the info only).</summary>
    public async Task<OpenedFile> OpenAsync(string path, ByteRange? range = null, string? ifVersion = null, CancellationToken cancellationToken = default)
    {
        if (range is { Length: 0 })
        {
            var info = await GetInfoAsync(path, cancellationToken) ?? throw new FileNotFoundException($"'{Describe(path)}' does not exist.", path);
            FileVersionChangedException.ThrowIfDifferent(Describe(path), ifVersion, info.Version);
            return new OpenedFile(info, new MemoryStream([], writable: false));
        }
        try
        {
            var download = (await Blob(path).DownloadStreamingAsync(new BlobDownloadOptions
            {
                Range = range is { } r ? new HttpRange(r.Offset, r.Length) : default,
                Conditions = ifVersion is null ? null : new BlobRequestConditions { IfMatch = new ETag(ifVersion) },
            }, cancellationToken)).Value;
            var details = download.Details;
            return new OpenedFile(new StoredFile(path, details.ContentLength, details.ETag.ToString("H")) { Metadata = new Dictionary<string, string>(details.Metadata) }, download.Content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"'{Describe(path)}' does not exist (deleted while it was pulled?).", path, e);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new FileVersionChangedException($"'{Describe(path)}' is no longer version {ifVersion}: it was replaced while it was pulled; pull again.", e);
        }
    }

    public Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"A pulled model is read only ('{Describe(path)}').");

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"A pulled model is read only ('{Describe(path)}').");

    /// <summary>A listed blob as a file of the model (<paramref name="relative"/> to its prefix).</summary>
    protected static StoredFile FileOf(string relative, BlobItemProperties properties, IDictionary<string, string>? metadata) =>
        new(relative, properties.ContentLength ?? 0, properties.ETag is { } etag ? etag.ToString("H") : "")
        {
            Metadata = metadata is null ? StoredFile.NoMetadata : new Dictionary<string, string>(metadata),
            LastModified = properties.LastModified,
            ContentMd5 = properties.ContentHash is { Length: > 0 } md5 ? Convert.ToBase64String(md5) : null,
        };
}
