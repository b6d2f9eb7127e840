namespace LvmCloud.Core.Datasets;

/// <summary>The sentences whose images all loaded (in the order asked), and those skipped with the reason of their first bad image.</summary>
public sealed record LoadedSentences(IReadOnlyList<LoadedSentence> Loaded, IReadOnlyList<SkippedSentence> Skipped);
