using LvmCloud.Core.Datasets;

namespace LvmCloud.Vision.Datasets;

/// <summary>What <see cref="DatasetTokenizer"/> wrote: one shard, one row per sentence in <see cref="SentenceIds"/> order.</summary>
/// <param name="JsonlPath">The shard in LVM's format (<c>{"tokens": base64(int32 LE)}</c> per line), in the output store.</param>
/// <param name="BinaryPath">Its binary twin, in the output store.</param>
/// <param name="SentenceIds">The ids of the sentences in the shard, row by row.</param>
/// <param name="Sentences">Rows in the shard.</param>
/// <param name="Tokens">Tokens in the shard, all rows together.</param>
/// <param name="Skipped">Sentences left out, in line order, each with its reason.</param>
public sealed record TokenizedShard(string JsonlPath, string BinaryPath, IReadOnlyList<string> SentenceIds, int Sentences, long Tokens, IReadOnlyList<SkippedSentence> Skipped);
