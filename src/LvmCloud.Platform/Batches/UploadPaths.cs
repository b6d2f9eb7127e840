using System.Text.RegularExpressions;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Batches;

/// <summary>Which paths a client may upload into its batch: the manifest, batch.json, and images under inputs/.</summary>
public static partial class UploadPaths
{
    [GeneratedRegex("^inputs/([A-Za-z0-9_][A-Za-z0-9._-]{0,127}/){0,8}[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex InputPattern();

    /// <summary>Null when the path is allowed, otherwise why not.</summary>
    public static string? Check(string path)
    {
        if (path is StorageLayout.ManifestFileName or StorageLayout.BatchDefaultsFileName)
            return null;
        if (path.Split('/').Any(segment => segment is ".." or "."))
            return $"Upload path '{path}' contains a '.' or '..' segment.";
        if (!InputPattern().IsMatch(path))
            return $"Upload path '{path}' is not allowed: use '{StorageLayout.ManifestFileName}', '{StorageLayout.BatchDefaultsFileName}' or 'inputs/<relative path>' of letters, digits, '.', '_', '-'.";
        return null;
    }
}
