namespace LvmCloud.Core.Storage;

/// <summary>
/// A file in a store: its path, size in bytes and an opaque version that changes whenever its content does (a blob's
/// ETag), and the metadata it was written with (<see cref="FileWriteOptions.Metadata"/>; empty when none).
/// </summary>
public sealed record StoredFile(string Path, long Length, string Version)
{
    /// <summary>The shared empty metadata (so files without metadata compare equal by value).</summary>
    public static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = NoMetadata;

    /// <summary>When the file was last written, where the store says so (blob storage and folders both do).</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>The MD5 of the content, base64, where the store keeps one (blob storage does for single-request uploads); else null.</summary>
    public string? ContentMd5 { get; init; }
}
