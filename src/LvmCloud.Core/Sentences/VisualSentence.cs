namespace LvmCloud.Core.Sentences;

/// <summary>One line of <c>sentences.jsonl</c>: image paths (relative to the dataset folder) in order, an optional kind and id.</summary>
/// <param name="LineNumber">1-based line in <c>sentences.jsonl</c>.</param>
/// <param name="Images">Image paths relative to the dataset folder, in sentence order.</param>
/// <param name="Kind">The sentence kind (<see cref="SentenceKinds"/>), when the line names one.</param>
/// <param name="Id">The id the line gives, when it gives one.</param>
public sealed record VisualSentence(int LineNumber, IReadOnlyList<string> Images, string? Kind, string? Id = null)
{
    /// <summary>The id to report this sentence under: its own, or <c>line-{n:D5}</c> (as <see cref="Manifests.InvalidLine.ResultId"/>).</summary>
    public string SentenceId => Id ?? ForLine(LineNumber);

    /// <summary>The id a line without an <c>id</c> field gets.</summary>
    public static string ForLine(int lineNumber) => $"line-{lineNumber:D5}";
}
