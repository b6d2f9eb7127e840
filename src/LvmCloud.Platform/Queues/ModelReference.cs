using System.Text.RegularExpressions;

namespace LvmCloud.Platform.Queues;

/// <summary>A model in the <c>models</c> container: <c>{Name}/{Version}/tokenizer/</c> and <c>/transformer/</c>.</summary>
public sealed partial record ModelReference(string Name, string Version)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SegmentPattern();

    /// <summary>Null when name and version can be folder names (1-64 characters of A-Z a-z 0-9 . _ -, no '..'), else why not.</summary>
    public string? Problem() =>
        Name is not null && Version is not null && SegmentPattern().IsMatch(Name) && SegmentPattern().IsMatch(Version) && !Name.Contains("..") && !Version.Contains("..")
            ? null
            : $"Model reference '{this}' is not valid: name and version are 1-64 characters of A-Z a-z 0-9 . _ -.";

    public override string ToString() => $"{Name}/{Version}";
}
