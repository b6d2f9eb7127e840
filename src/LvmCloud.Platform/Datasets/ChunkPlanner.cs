using System.Text;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Platform.Queues;

namespace LvmCloud.Platform.Datasets;

/// <summary>
/// Cuts <c>sentences.jsonl</c> into chunks of N non-blank lines, valid or not, as
/// <see cref="Core.Datasets.SentenceDataset.Chunk"/> does (shard k holds chunk k, so a line turning bad moves no
/// other sentence to another shard), and fingerprints each chunk from its bytes and the versions of its images. The
/// whole file is parsed once here, so rules that need earlier lines (an id used before, the sentence limit) are
/// carried to the jobs as marked lines.
/// </summary>
public static class ChunkPlanner
{
    public static IReadOnlyList<PlannedChunk> Plan(ReadOnlySpan<byte> sentencesJsonl, IReadOnlyDictionary<string, string> versions, int chunkSize, SentenceLimits limits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        var lines = SentenceLines.NonBlank(sentencesJsonl);
        var parsed = VisualSentenceParser.Parse(Encoding.UTF8.GetString(sentencesJsonl), limits);
        var sentences = parsed.Sentences.ToDictionary(s => s.LineNumber);
        var marked = parsed.Invalid
            .Where(i => i.Reason is ManifestErrorReason.DuplicateId or ManifestErrorReason.TooManyItems)
            .ToDictionary(i => i.LineNumber, i => i.Reason);

        var chunks = new List<PlannedChunk>();
        for (int k = 0, start = 0; start < lines.Count; k++, start += chunkSize)
        {
            var slice = lines.GetRange(start, Math.Min(chunkSize, lines.Count - start));
            long offset = slice[0].Offset, end = slice[^1].Offset + slice[^1].Length;
            var linesHash = SentenceLines.Hash(sentencesJsonl[(int)offset..(int)end]);
            var marks = slice.Where(l => marked.ContainsKey(l.LineNumber)).Select(l => new MarkedLine(l.LineNumber, marked[l.LineNumber])).ToList();
            var images = slice
                .Where(l => !marked.ContainsKey(l.LineNumber) && sentences.ContainsKey(l.LineNumber))
                .SelectMany(l => sentences[l.LineNumber].Images)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var imageVersions = images.ToDictionary(p => p, p => versions.GetValueOrDefault(p) ?? SourceVersions.Missing, StringComparer.Ordinal);
            var fingerprint = SourceVersions.Chunk(slice[0].LineNumber, linesHash, marks.Select(m => (m.Line, m.Reason)), imageVersions);
            chunks.Add(new PlannedChunk(k, slice[0].LineNumber, slice[^1].LineNumber, slice.Count, offset, (int)(end - offset), linesHash, marks, images, fingerprint));
        }
        return chunks;
    }
}
