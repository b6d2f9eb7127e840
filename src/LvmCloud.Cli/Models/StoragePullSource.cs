using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Core.Storage;

namespace LvmCloud.Cli.Models;

/// <summary>
/// The blobs of model <c>{name}/{version}</c> in the <c>models</c> container, read with the client's own storage
/// credentials (<c>lvm models pull --connection</c>). The listing is one request per 5,000 blobs, with metadata.
/// </summary>
public sealed class StoragePullSource(BlobContainerClient models, string name, string version) : ModelBlobReader
{
    private readonly string _prefix = $"{name}/{version}/";

    protected override BlobClient Blob(string path) => models.GetBlobClient(_prefix + path);

    /// <summary>The model's files; none when the container does not exist.</summary>
    public override async IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var blobs = models.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, _prefix + prefix, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await blobs.MoveNextAsync())
                        yield break;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    yield break; // no models container: no model
                }
                var blob = blobs.Current;
                yield return FileOf(blob.Name[_prefix.Length..], blob.Properties, blob.Metadata);
            }
        }
        finally
        {
            await blobs.DisposeAsync();
        }
    }
}
