using System.Text;
using System.Text.RegularExpressions;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// The README's walk: every fenced <c>bash</c> block right after a <c>&lt;!-- readme-walk --&gt;</c> comment, in
/// order, and the one bash script that runs them as a user types them, against a stack on another port. Each block
/// is announced by a marker line (<c>::block N::</c>), so that a failing run names the block it stopped in.
/// </summary>
public sealed partial class ReadmeWalk
{
    /// <summary>The comment that marks a fenced block as part of the walk.</summary>
    public const string Marker = "<!-- readme-walk -->";

    /// <summary>The API port the README's examples use.</summary>
    public const string ReadmePort = "7071";

    private ReadmeWalk(IReadOnlyList<Block> blocks) => Blocks = blocks;

    /// <summary>One marked block: its number in the walk (from 1), the README line of its fence, and its text.</summary>
    public sealed record Block(int Number, int Line, string Text);

    /// <summary>The marked blocks, in README order.</summary>
    public IReadOnlyList<Block> Blocks { get; }

    /// <summary>Reads the marked blocks of <paramref name="readmePath"/>; a marker not followed by a <c>```bash</c> fence is an error.</summary>
    public static ReadmeWalk Read(string readmePath)
    {
        var lines = File.ReadAllLines(readmePath);
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != Marker)
                continue;
            var fence = i + 1;
            if (fence >= lines.Length || lines[fence].Trim() != "```bash")
                throw new InvalidDataException($"{readmePath} line {i + 1}: '{Marker}' must be followed directly by a ```bash fence.");
            var end = Array.FindIndex(lines, fence + 1, l => l.TrimEnd() == "```");
            if (end < 0)
                throw new InvalidDataException($"{readmePath} line {fence + 1}: the ```bash fence is never closed.");
            blocks.Add(new Block(blocks.Count + 1, fence + 1, string.Join('\n', lines[(fence + 1)..end])));
            i = end;
        }
        return new ReadmeWalk(blocks);
    }

    /// <summary>
    /// The script: <c>lvm</c> as a function running <paramref name="lvmCommand"/>, stderr folded into stdout (one
    /// ordered transcript), then each block with the README's port replaced by <paramref name="apiPort"/> and the
    /// <c>./local/run-stack.sh</c> line left out (the caller runs the stack).
    /// </summary>
    public string Script(int apiPort, string lvmCommand)
    {
        var script = new StringBuilder();
        script.AppendLine("exec 2>&1");
        script.AppendLine($"lvm() {{ {lvmCommand} \"$@\"; }}");
        foreach (var block in Blocks)
        {
            script.AppendLine($"echo '{BlockMarker(block.Number)}'");
            foreach (var line in block.Text.Split('\n'))
                if (!line.TrimStart().StartsWith("./local/run-stack.sh", StringComparison.Ordinal))
                    script.AppendLine(line.Replace(ReadmePort, $"{apiPort}", StringComparison.Ordinal));
        }
        script.AppendLine($"echo '{EndMarker}'");
        return script.ToString();
    }

    /// <summary>The block a transcript stopped in (the last marker it printed), or null when it printed none.</summary>
    public Block? LastStarted(string transcript)
    {
        var last = BlockMarkerPattern().Matches(transcript).LastOrDefault();
        return last is null ? null : Blocks[int.Parse(last.Groups[1].Value) - 1];
    }

    /// <summary>What the block numbered <paramref name="number"/> printed (between its marker and the next).</summary>
    public static string OutputOf(string transcript, int number)
    {
        var start = transcript.IndexOf(BlockMarker(number), StringComparison.Ordinal);
        if (start < 0)
            return "";
        start += BlockMarker(number).Length;
        var next = transcript.IndexOf("::block ", start, StringComparison.Ordinal);
        if (next < 0)
            next = transcript.IndexOf(EndMarker, start, StringComparison.Ordinal);
        return transcript[start..(next < 0 ? transcript.Length : next)].Trim('\n');
    }

    /// <summary>Printed after the last block: the walk ran to its end.</summary>
    public const string EndMarker = "::walk done::";

    private static string BlockMarker(int number) => $"::block {number}::";

    [GeneratedRegex(@"::block (\d+)::")]
    private static partial Regex BlockMarkerPattern();
}
