using System.Security.Cryptography;

namespace LvmCloud.Core.Storage;

/// <summary>
/// The whole-file checksum a pushed model file carries in its blob metadata (<see cref="Sha256MetadataKey"/>: lowercase
/// hex SHA-256), written by <c>lvm models push</c> and compared by the worker's model cache after a download.
/// </summary>
public static class BlobChecksums
{
    public const string Sha256MetadataKey = "sha256";

    /// <summary>Lowercase hex SHA-256 of the file, read in one sequential pass.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
