namespace LvmCloud.Core.Storage;

/// <summary>How <see cref="IFileStore.TryWriteAsync"/> writes a file: its content type, metadata and condition.</summary>
public sealed record FileWriteOptions
{
    /// <summary>The content type; null takes it from the file name (<see cref="ContentTypes.For"/>).</summary>
    public string? ContentType { get; init; }

    /// <summary>Small name/value pairs stored with the file (blob metadata: ASCII names, at most a few KB in all); null for none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Write only when there is no such file yet (a blob's If-None-Match: *): create once.</summary>
    public bool IfAbsent { get; init; }

    /// <summary>Write only when the file is at this version (a blob's If-Match): replace what was read, not a newer write.</summary>
    public string? IfVersion { get; init; }

    /// <summary>Create once, with metadata.</summary>
    public static FileWriteOptions CreateOnce(IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null) =>
        new() { IfAbsent = true, Metadata = metadata, ContentType = contentType };

    /// <summary>Replace the version that was read.</summary>
    public static FileWriteOptions ReplaceVersion(string version, string? contentType = null) =>
        new() { IfVersion = version, ContentType = contentType };

    /// <summary>Refuses contradictory options (both conditions at once).</summary>
    public FileWriteOptions Checked(string what) =>
        IfAbsent && IfVersion is not null
            ? throw new ArgumentException($"Write of '{what}': IfAbsent and IfVersion together can never hold; use one.")
            : this;
}
