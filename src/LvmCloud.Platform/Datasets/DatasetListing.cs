using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Every blob of <c>datasets/{dataset}/</c> with its version, from one listing (a call per 5,000 blobs): what
/// planning compares with the watermark, and what uploads compare content hashes with.
/// </summary>
/// <param name="Versions">Path relative to the dataset → ETag (unquoted).</param>
/// <param name="ContentHashes">Path → MD5 of the content, base64, where storage keeps one.</param>
public sealed record DatasetListing(IReadOnlyDictionary<string, string> Versions, IReadOnlyDictionary<string, string> ContentHashes)
{
    public bool HasSentences => Versions.ContainsKey(StorageLayout.SentencesFileName);

    /// <summary>Fingerprint of the whole listing: unchanged means no blob was added, replaced or removed.</summary>
    public string Fingerprint => SourceVersions.Listing(Versions);

    public static async Task<DatasetListing> ReadAsync(BlobContainerClient datasets, string dataset, CancellationToken cancellationToken)
    {
        var prefix = StorageLayout.DatasetPrefix(dataset);
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var blob in datasets.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            var path = blob.Name[prefix.Length..];
            versions[path] = SourceVersions.Normalize(blob.Properties.ETag?.ToString());
            if (blob.Properties.ContentHash is { Length: > 0 } md5)
                hashes[path] = Convert.ToBase64String(md5);
        }
        return new DatasetListing(versions, hashes);
    }
}
