using LvmCloud.Cli.Interaction;
using LvmCloud.Core.Datasets;

namespace LvmCloud.Cli.Data;

/// <summary>Tells people which sentences or images a command left out and why, and gives the same as JSON data.</summary>
public static class SkipReport
{
    private const int Shown = 20;

    /// <summary>A note per skipped sentence on stderr (the first <see cref="Shown"/>; <c>--json</c> lists all).</summary>
    public static void Print(Output.CommandOutput console, IReadOnlyList<SkippedSentence> skipped)
    {
        if (skipped.Count == 0) return;
        console.Info($"skipped {skipped.Count} sentence(s) with a bad image:");
        foreach (var s in skipped.Take(Shown)) console.Info($"  {s.SentenceId} (line {s.LineNumber}): {s.Message}");
        if (skipped.Count > Shown) console.Info($"  ... and {skipped.Count - Shown} more (--json lists them all)");
    }

    /// <summary>A note per rejected image on stderr (the first <see cref="Shown"/>; <c>--json</c> lists all).</summary>
    public static void Print(Output.CommandOutput console, IReadOnlyList<RejectedImage> rejected)
    {
        if (rejected.Count == 0) return;
        console.Info($"left out {rejected.Count} image(s):");
        foreach (var r in rejected.Take(Shown)) console.Info($"  {r.Message}");
        if (rejected.Count > Shown) console.Info($"  ... and {rejected.Count - Shown} more (--json lists them all)");
    }

    public static object[] Json(IReadOnlyList<SkippedSentence> skipped) =>
        [.. skipped.Select(s => new { id = s.SentenceId, line = s.LineNumber, reason = s.Reason, message = s.Message })];

    public static object[] Json(IReadOnlyList<RejectedImage> rejected) =>
        [.. rejected.Select(r => new { path = r.Path, reason = r.Reason, message = r.Message })];
}
