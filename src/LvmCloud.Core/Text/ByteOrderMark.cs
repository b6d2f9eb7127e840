using System.Text;

namespace LvmCloud.Core.Text;

/// <summary>
/// A UTF-8 byte order mark at the start of a file (editors on Windows write one) is not part of its text: the
/// readers of <c>manifest.jsonl</c>, <c>sentences.jsonl</c> and <c>run.json</c> drop it, as
/// <see cref="File.ReadAllText(string)"/> does, so that the first line reads like any other.
/// </summary>
public static class ByteOrderMark
{
    /// <summary>The mark as decoded text: U+FEFF.</summary>
    public const char Character = '\uFEFF';

    /// <summary><paramref name="text"/> without a leading U+FEFF.</summary>
    public static string Strip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && text[0] == Character ? text[1..] : text;
    }

    /// <summary>How many bytes the UTF-8 mark takes at the start of <paramref name="bytes"/>: 3 or 0.</summary>
    public static int Length(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
}
