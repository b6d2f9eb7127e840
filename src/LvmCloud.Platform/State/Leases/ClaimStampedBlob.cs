using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace LvmCloud.Platform.State.Leases;

/// <summary>
/// The blob a lease holder writes once as its finish (a batch's <c>results.jsonl</c>, a round's <c>merge.json</c>):
/// created only if absent (If-None-Match: *) and stamped with the holder, so a retry whose earlier reply was lost
/// knows the blob as its own and a later holder never writes it again.
/// </summary>
public static class ClaimStampedBlob
{
    /// <summary>
    /// Creates <paramref name="blob"/> with <paramref name="content"/>, its metadata <paramref name="metadataKey"/> set to
    /// <paramref name="holder"/>. True when this holder wrote it (now, or by an earlier try); false when another holder did.
    /// </summary>
    public static async Task<bool> TryCreateAsync(BlobClient blob, BinaryData content, string contentType, string metadataKey, string holder, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(content, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Metadata = new Dictionary<string, string> { [metadataKey] = holder },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.Metadata.TryGetValue(metadataKey, out var writer) && writer == holder;
        }
    }
}
