namespace LvmCloud.Core.Sentences;

/// <summary>One line of <c>sentences.jsonl</c>: image paths (relative to the dataset folder) in order, and an optional kind.</summary>
public sealed record VisualSentence(int LineNumber, IReadOnlyList<string> Images, string? Kind);
