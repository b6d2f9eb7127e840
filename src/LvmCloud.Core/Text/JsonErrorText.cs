using System.Text.Json;
using System.Text.RegularExpressions;

namespace LvmCloud.Core.Text;

/// <summary>
/// What a <see cref="JsonException"/> says, in words a user can act on: System.Text.Json ends its messages with a
/// position tail (<c>Path: $.a | LineNumber: 0 | BytePositionInLine: 5.</c>) counted from 0 within the text it was
/// given, which beside our own 1-based line numbers reads as a second, wrong line number. The tail and the final
/// period are dropped; the caller names the file, line or field itself.
/// </summary>
public static partial class JsonErrorText
{
    /// <summary>The reason alone, e.g. <c>'0xEF' is an invalid start of a value</c>.</summary>
    public static string Reason(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Clause(PositionTail().Replace(error.Message, ""));
    }

    /// <summary>A message made fit to be followed by a period or a semicolon: trimmed, without trailing periods.</summary>
    public static string Clause(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Trim().TrimEnd('.').TrimEnd();
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+\s*\|\s*BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex PositionTail();
}
