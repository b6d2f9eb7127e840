using System.Security.Cryptography;
using System.Text;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Fingerprints of what a shard is made from, computed the same way by planning (from a listing) and by the job
/// (from what it read), so that "nothing changed" is an equality of two strings. ETags are compared without quotes:
/// listings and download headers write them differently.
/// </summary>
public static class SourceVersions
{
    /// <summary>What an image that is not in the dataset counts as.</summary>
    public const string Missing = "missing";

    public static string Normalize(string? etag) =>
        string.IsNullOrEmpty(etag) ? Missing : etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..].Trim('"') : etag.Trim('"');

    /// <summary>
    /// A chunk: the hash of its lines' bytes, the line it starts at, the invalid lines the whole file marked (line and
    /// reason), and the version of every image its valid sentences use (path order).
    /// </summary>
    public static string Chunk(int firstLine, string linesHash, IEnumerable<(int Line, string Reason)> marked, IReadOnlyDictionary<string, string> images)
    {
        var text = new StringBuilder();
        text.Append("first ").Append(firstLine).Append('\n').Append("lines ").Append(linesHash).Append('\n');
        foreach (var (line, reason) in marked.OrderBy(m => m.Line))
            text.Append("marked ").Append(line).Append(' ').Append(reason).Append('\n');
        foreach (var (path, version) in images.OrderBy(i => i.Key, StringComparer.Ordinal))
            text.Append("image ").Append(path).Append(' ').Append(version).Append('\n');
        return Hash(text.ToString());
    }

    /// <summary>A whole dataset: every blob under its prefix with its ETag (path order).</summary>
    public static string Listing(IReadOnlyDictionary<string, string> blobs)
    {
        var text = new StringBuilder();
        foreach (var (path, version) in blobs.OrderBy(b => b.Key, StringComparer.Ordinal))
            text.Append(path).Append(' ').Append(version).Append('\n');
        return Hash(text.ToString());
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32].ToLowerInvariant();
}
