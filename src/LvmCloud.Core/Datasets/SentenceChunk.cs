using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Datasets;

/// <summary>
/// Chunk <see cref="Index"/> of a dataset: a run of consecutive non-blank lines of <c>sentences.jsonl</c>, the
/// unit a scheduled <c>tokenize</c> job turns into one shard. Chunks count lines, valid or not, so a line that
/// turns bad does not move the sentences of other chunks into different shards.
/// </summary>
/// <param name="Index">The chunk's number, from 0.</param>
/// <param name="Sentences">The chunk's valid sentences, in line order.</param>
/// <param name="Invalid">The chunk's lines that could not be read, each with its reason.</param>
public sealed record SentenceChunk(int Index, IReadOnlyList<VisualSentence> Sentences, IReadOnlyList<SkippedSentence> Invalid);
