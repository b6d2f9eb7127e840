using System.Text.RegularExpressions;

namespace LvmCloud.Core.Paths;

/// <summary>
/// The rules for paths written in manifests and dataset descriptions: relative
/// to a known folder, <c>/</c> separators, no <c>..</c> or <c>.</c> segments, no
/// absolute paths, no URLs or schemes, no backslashes, characters
/// <c>[A-Za-z0-9._/ -]</c> only, at most <see cref="MaxLength"/> characters.
/// A path that passes can be joined to a base folder or blob prefix as is.
/// </summary>
public static partial class RelativePath
{
    public const int MaxLength = 512;

    /// <summary>Returns null when <paramref name="path"/> is acceptable, else what is wrong with it.</summary>
    public static PathProblem? Check(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return new("path-empty", "path is empty");
        }

        if (path.Length > MaxLength)
        {
            return new("path-too-long", $"path is {path.Length} characters, the limit is {MaxLength}");
        }

        if (SchemePrefix().IsMatch(path))
        {
            return new("path-url", $"'{path}' is a URL or has a scheme/drive prefix; only relative paths are allowed");
        }

        if (path.Contains('\\'))
        {
            return new("path-backslash", $"'{path}' contains a backslash; use '/' as the separator");
        }

        if (path.StartsWith('/'))
        {
            return new("path-absolute", $"'{path}' is absolute; paths must be relative");
        }

        int bad = path.AsSpan().IndexOfAnyExcept(AllowedCharacters);
        if (bad >= 0)
        {
            return new("path-character", $"'{path}' contains the character {Describe(path[bad])}; allowed are A-Z a-z 0-9 . _ - space and /");
        }

        foreach (string segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                return new("path-empty-segment", $"'{path}' has an empty segment ('//' or a trailing '/')");
            }

            if (segment == "..")
            {
                return new("path-traversal", $"'{path}' contains a '..' segment");
            }

            if (segment == ".")
            {
                return new("path-dot-segment", $"'{path}' contains a '.' segment");
            }

            if (segment[0] == ' ' || segment[^1] == ' ')
            {
                return new("path-space", $"'{path}' has a segment that starts or ends with a space");
            }
        }

        return null;
    }

    public static bool IsValid(string? path) => Check(path) is null;

    private static readonly System.Buffers.SearchValues<char> AllowedCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/ -");

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : $"'{c}' (U+{(int)c:X4})";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex SchemePrefix();
}
