using LvmCloud.Core.Paths;

namespace LvmCloud.Core.Storage;

/// <summary>Paths inside an <see cref="IFileStore"/>: <see cref="RelativePath"/> rules, joined with '/'.</summary>
public static class StorePath
{
    /// <summary>The path itself when it is a safe relative path.</summary>
    /// <exception cref="ArgumentException">It is empty, absolute, has '..' or '.', a backslash, a scheme or a disallowed character.</exception>
    public static string Require(string path) =>
        RelativePath.Check(path) is { } problem ? throw new ArgumentException($"Store path refused: {problem.Message}.", nameof(path)) : path;

    /// <summary>A folder prefix ("" or ending with '/') checked like a path.</summary>
    public static string RequirePrefix(string prefix)
    {
        if (prefix.Length == 0) return prefix;
        Require(prefix.TrimEnd('/'));
        return prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    /// <summary>Joins non-empty segments with '/'.</summary>
    public static string Join(params string[] segments) =>
        string.Join('/', segments.Where(s => s.Length > 0).Select(s => s.Trim('/')));
}
