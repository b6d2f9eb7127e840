using System.Security.Cryptography;
using LvmCloud.Core.Text;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Splits <c>sentences.jsonl</c> bytes into lines exactly as <see cref="Core.Sentences.VisualSentenceParser"/> counts
/// them ('\n' ends a line, a trailing '\r' and blank lines do not count, a leading byte order mark is skipped), with byte offsets. UTF-8 never uses the
/// '\n' byte inside a character, so a range of whole lines decodes on its own to the same text.
/// </summary>
public static class SentenceLines
{
    public static List<SentenceLine> NonBlank(ReadOnlySpan<byte> bytes)
    {
        var lines = new List<SentenceLine>();
        // A byte order mark is not part of line 1 (the parser drops it too): no chunk's range starts inside it.
        int start = ByteOrderMark.Length(bytes), number = 1;
        while (start <= bytes.Length)
        {
            var end = bytes[start..].IndexOf((byte)'\n');
            var length = end < 0 ? bytes.Length - start : end;
            var content = bytes.Slice(start, length);
            if (!IsBlank(content))
                lines.Add(new SentenceLine(number, start, end < 0 ? length : length + 1));
            if (end < 0)
                break;
            start += length + 1;
            number++;
        }
        return lines;
    }

    /// <summary>The SHA-256 of a byte range, hex: what a job checks the range it read against.</summary>
    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Blank as the parser sees it: nothing but white space once decoded (its '\r' trimmed).</summary>
    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b >= 0x80)
                return string.IsNullOrWhiteSpace(System.Text.Encoding.UTF8.GetString(line).TrimEnd('\r'));
            if (b is not ((>= 0x09 and <= 0x0D) or (>= 0x1C and <= 0x20))) // char.IsWhiteSpace below 0x80
                return false;
        }
        return true;
    }
}
