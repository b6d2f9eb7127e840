using System.Text.RegularExpressions;

namespace LvmCloud.Infra.Tests;

/// <summary>Reads literal <c>var</c> declarations from Bicep text: strings and arrays of strings.</summary>
internal static partial class BicepDeclarations
{
    public static string StringVar(string bicep, string name)
    {
        var match = Regex.Match(bicep, $@"^var\s+{Regex.Escape(name)}\s*=\s*'([^']*)'\s*$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No string var '{name}' in the Bicep text.");
    }

    public static IReadOnlyList<string> StringArrayVar(string bicep, string name)
    {
        var match = Regex.Match(bicep, $@"^var\s+{Regex.Escape(name)}\s*=\s*\[(?<items>[^\]]*)\]", RegexOptions.Multiline);
        if (!match.Success)
            throw new InvalidOperationException($"No array var '{name}' in the Bicep text.");
        return QuotedString().Matches(match.Groups["items"].Value).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex QuotedString();
}
