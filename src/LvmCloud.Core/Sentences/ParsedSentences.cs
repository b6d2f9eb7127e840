using LvmCloud.Core.Manifests;

namespace LvmCloud.Core.Sentences;

/// <summary>Valid sentences and the lines that failed (each alone, with its reason).</summary>
public sealed record ParsedSentences(IReadOnlyList<VisualSentence> Sentences, IReadOnlyList<InvalidLine> Invalid);
