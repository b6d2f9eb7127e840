using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Storage;

namespace LvmCloud.Platform.Storage;

/// <summary>
/// An <see cref="IFileStore"/> over a blob container, optionally under a prefix (<c>results</c> +
/// <c>{batchId}/</c>, say). A write is one upload, so readers see the old blob or the new one, never half.
/// A file's version is its ETag.
/// </summary>
public sealed class BlobStore : IFileStore
{
    private readonly BlobContainerClient _container;

    public BlobStore(BlobContainerClient container, string prefix = "")
    {
        _container = container;
        Prefix = StorePath.RequirePrefix(prefix);
    }

    public string Prefix { get; }

    public BlobContainerClient Container => _container;

    public BlobClient Blob(string path) => _container.GetBlobClient(Prefix + StorePath.Require(path));

    public string Describe(string path) => Blob(path).Uri.GetLeftPart(UriPartial.Path);

    public async Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await Blob(path).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return new StoredFile(path, properties.ContentLength, properties.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await Blob(path).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"'{Describe(path)}' does not exist.", path, e);
        }
    }

    public async Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        await Blob(path).UploadAsync(
            content,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType ?? ContentTypes.For(path) } },
            cancellationToken);

    public async IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix + prefix, cancellationToken))
            yield return new StoredFile(blob.Name[Prefix.Length..], blob.Properties.ContentLength ?? 0, blob.Properties.ETag?.ToString() ?? "");
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) =>
        (await Blob(path).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
}
