using System.Text;
using LvmCloud.Core.Datasets;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Configuration;
using LvmCloud.Platform.Datasets;

namespace LvmCloud.Platform.Tests;

/// <summary>Planning cuts sentences.jsonl exactly as the dataset library does, and a chunk's byte range parses alone to the same sentences.</summary>
public sealed class ChunkPlannerTests
{
    [Fact]
    public async Task Chunks_cover_the_lines_of_SentenceDataset_Chunk_and_each_byte_range_parses_to_the_same_sentences()
    {
        var text = new StringBuilder();
        var random = new Random(7); // seeded: the same text every run
        for (var i = 0; i < 40; i++)
        {
            text.Append(random.Next(6) switch
            {
                0 => "   \t",                      // blank: not counted
                1 => "\u00a0\u3000",               // blank too (Unicode white space)
                2 => "{\"images\": [\"a.png\"",    // bad JSON: counted
                _ => VisualSentenceParser.Format([$"i{i}/0.png", $"i{i}/1.png"], "pairs", $"id-{i % 17}"), // some ids repeat
            });
            text.Append(random.Next(3) == 0 ? "\r\n" : "\n");
        }
        text.Append("{\"images\": [\"last.png\"]}"); // no final newline
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var folder = Directory.CreateTempSubdirectory("lvm-chunks-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "sentences.jsonl"), bytes);
            var store = new FolderStore(folder.FullName);
            var dataset = await SentenceDataset.OpenAsync(store);
            var chunks = ChunkPlanner.Plan(bytes, new Dictionary<string, string>(), 4, SentenceLimits.Default);

            Assert.Equal(dataset.ChunkCount(4), chunks.Count);
            foreach (var planned in chunks)
            {
                var expected = dataset.Chunk(planned.Index, 4);
                var lines = expected.Sentences.Select(s => s.LineNumber).Concat(expected.Invalid.Select(s => s.LineNumber)).Order().ToList();
                Assert.Equal((lines[0], lines[^1], lines.Count), (planned.FirstLine, planned.LastLine, planned.Lines));

                var range = Encoding.UTF8.GetString(bytes, (int)planned.Offset, planned.Length);
                var marked = planned.Marked.Select(m => new SkippedSentence(VisualSentence.ForLine(m.Line), m.Line, m.Reason, "")).ToList();
                var alone = SentenceDataset.FromLines(store, range, planned.FirstLine, marked);
                Assert.Equal(expected.Sentences, alone.Sentences, (a, b) => a.LineNumber == b.LineNumber && a.SentenceId == b.SentenceId && a.Images.SequenceEqual(b.Images));
                Assert.Equal(expected.Invalid.Select(i => (i.LineNumber, i.Reason)), alone.Invalid.Select(i => (i.LineNumber, i.Reason)));
                Assert.Equal(expected.Sentences.SelectMany(s => s.Images).Distinct().Order(), planned.Images.Order());
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("every hour")]
    [InlineData("0 * * * *")] // five fields: the timer trigger wants six
    [InlineData("")]
    public void Schedule_that_is_not_six_field_ncrontab_is_refused_at_start(string schedule)
    {
        var problems = new TokenizeOptions { Schedule = schedule }.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();
        Assert.Contains(problems, p => p.ErrorMessage!.StartsWith("Tokenize:Schedule", StringComparison.Ordinal));
        Assert.Empty(new TokenizeOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())));
    }
}
