namespace LvmCloud.Core.Storage;

/// <summary>A read that named a version (<see cref="IFileStore.OpenAsync"/>'s <c>ifVersion</c>) found another one: the file was replaced.</summary>
public sealed class FileVersionChangedException(string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>Throws when <paramref name="expected"/> is set and differs from <paramref name="actual"/>.</summary>
    public static void ThrowIfDifferent(string where, string? expected, string actual)
    {
        if (expected is not null && expected != actual)
            throw new FileVersionChangedException($"'{where}' is now version {actual}, not the {expected} that was asked for: it was replaced since.");
    }
}
