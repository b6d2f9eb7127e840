using LvmCloud.Core.Storage;
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

    public static async Task<DatasetListing> ReadAsync(IFileStore datasets, string dataset, CancellationToken cancellationToken)
    {
        var prefix = StorageLayout.DatasetPrefix(dataset);
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var file in datasets.ListAsync(prefix, cancellationToken))
        {
            var path = file.Path[prefix.Length..];
            versions[path] = SourceVersions.Normalize(file.Version);
            if (file.ContentMd5 is { } md5)
                hashes[path] = md5;
        }
        return new DatasetListing(versions, hashes);
    }
}
