namespace LvmCloud.Core.Manifests;

/// <summary>Limits applied to every manifest, at intake and again in the worker.</summary>
/// <param name="MaxItems">Item lines accepted per batch; later lines fail with <c>too-many-items</c>.</param>
/// <param name="MaxFramesPerItem">Images per sequence: prompt + new frames (and prompt + targets) must fit; LVM's 4096-token context holds 16 images of 256 tokens.</param>
/// <param name="MaxNewFrames">Largest <c>n_new_frames</c>.</param>
/// <param name="MaxCandidates">Largest <c>n_candidates</c>.</param>
/// <param name="MaxLineBytes">Largest line, in UTF-8 bytes.</param>
public sealed record ManifestLimits(int MaxItems, int MaxFramesPerItem, int MaxNewFrames, int MaxCandidates, int MaxLineBytes)
{
    /// <summary>
    /// Largest whole manifest, in bytes, checked on the file's length (or the blob's declared length) before a
    /// byte of it is read; a larger one fails the whole batch with <c>manifest-too-large</c>.
    /// </summary>
    public long MaxManifestBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Largest <c>batch.json</c>, in bytes (it holds only the defaults object).</summary>
    public long MaxBatchJsonBytes { get; init; } = 64 * 1024;

    public static ManifestLimits Default { get; } = new(
        MaxItems: 10_000,
        MaxFramesPerItem: 16,
        MaxNewFrames: 8,
        MaxCandidates: 8,
        MaxLineBytes: 64 * 1024);
}
