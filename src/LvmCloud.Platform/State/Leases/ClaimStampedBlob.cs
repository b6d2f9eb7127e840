using LvmCloud.Core.Storage;

namespace LvmCloud.Platform.State.Leases;

/// <summary>
/// The file a lease holder writes once as its finish (a batch's <c>results.jsonl</c>, a round's <c>merge.json</c>):
/// created only if absent (If-None-Match: * on blobs) and stamped with the holder in its metadata, so a retry whose
/// earlier reply was lost knows the file as its own and a later holder never writes it again.
/// </summary>
public static class ClaimStampedBlob
{
    /// <summary>
    /// Creates <paramref name="path"/> in <paramref name="store"/> with <paramref name="text"/>, its metadata
    /// <paramref name="metadataKey"/> set to <paramref name="holder"/>. True when this holder wrote it (now, or by an
    /// earlier try); false when another holder did.
    /// </summary>
    public static async Task<bool> TryCreateAsync(IFileStore store, string path, string text, string contentType, string metadataKey, string holder, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string> { [metadataKey] = holder };
        if (await store.TryWriteTextAsync(path, text, FileWriteOptions.CreateOnce(metadata, contentType), cancellationToken) is not null)
            return true;
        var existing = await store.GetInfoAsync(path, cancellationToken);
        return existing is not null && existing.Metadata.TryGetValue(metadataKey, out var writer) && writer == holder;
    }
}
