using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Tests.Sentences;

public sealed class VisualSentenceParserTests
{
    [Fact]
    public void Parses_images_in_order_with_optional_kind()
    {
        string jsonl = """
            {"images": ["v/0.png", "v/1.png", "v/2.png"], "kind": "sequence"}

            {"images": ["a.png"]}
            """;

        ParsedSentences parsed = VisualSentenceParser.Parse(jsonl);

        Assert.Empty(parsed.Invalid);
        Assert.Equal(2, parsed.Sentences.Count);
        Assert.Equal(["v/0.png", "v/1.png", "v/2.png"], parsed.Sentences[0].Images);
        Assert.Equal("sequence", parsed.Sentences[0].Kind);
        Assert.Equal((3, (string?)null), (parsed.Sentences[1].LineNumber, parsed.Sentences[1].Kind));
    }

    [Theory]
    [InlineData("""{"images": ["../a.png"]}""", "path-traversal")]
    [InlineData("""{"images": ["/a.png"]}""", "path-absolute")]
    [InlineData("""{"images": ["a.png"], "label": 3}""", ManifestErrorReason.UnknownField)]
    [InlineData("""{"images": []}""", ManifestErrorReason.MissingInput)]
    [InlineData("""{"kind": "pairs"}""", ManifestErrorReason.MissingInput)]
    [InlineData("""{"images": ["a.png"], "kind": "Pairs!"}""", ManifestErrorReason.OutOfRange)]
    [InlineData("""{"images": "a.png"}""", ManifestErrorReason.WrongType)]
    [InlineData("""{"images": ["a.png"]""", ManifestErrorReason.BadJson)]
    public void Bad_line_fails_alone(string badLine, string reason)
    {
        string jsonl = """{"images": ["ok.png"]}""" + "\n" + badLine;

        ParsedSentences parsed = VisualSentenceParser.Parse(jsonl);

        Assert.Single(parsed.Sentences);
        InvalidLine invalid = Assert.Single(parsed.Invalid);
        Assert.Equal((2, reason), (invalid.LineNumber, invalid.Reason));
    }

    [Fact]
    public void Ids_are_kept_or_derived_from_the_line_and_must_be_unique()
    {
        string jsonl = """
            {"id": "video-7", "images": ["a.png"]}
            {"images": ["b.png"]}
            {"id": "video-7", "images": ["c.png"]}
            {"id": "no/slash", "images": ["d.png"]}
            {"id": "line-00002", "images": ["e.png"]}
            """;

        ParsedSentences parsed = VisualSentenceParser.Parse(jsonl);

        Assert.Equal(["video-7", "line-00002"], parsed.Sentences.Select(s => s.SentenceId));
        Assert.Equal([(3, ManifestErrorReason.DuplicateId), (4, ManifestErrorReason.BadId), (5, ManifestErrorReason.DuplicateId)],
            parsed.Invalid.Select(i => (i.LineNumber, i.Reason)));
        Assert.Equal("""{"id":"s-1","images":["a.png"],"kind":"pairs"}""", VisualSentenceParser.Format(["a.png"], "pairs", "s-1"));
    }

    [Fact]
    public void Too_many_images_in_a_sentence_fails()
    {
        string images = string.Join(", ", Enumerable.Range(0, 17).Select(i => $"\"{i}.png\""));

        ParsedSentences parsed = VisualSentenceParser.Parse($$"""{"images": [{{images}}]}""");

        Assert.Equal(ManifestErrorReason.TooManyFrames, Assert.Single(parsed.Invalid).Reason);
    }

    [Fact]
    public void Dataset_writer_output_parses_back_and_keeps_pixels()
    {
        using var dir = new TempDir();
        var first = RgbImage.FromGray(4, 4, [.. Enumerable.Range(0, 16).Select(i => i * 16 / 255f)]);
        GeneratedSentence[] sentences =
        [
            new([first, ImageTransforms.Invert(first)], SentenceKinds.Pairs, "invert"),
            new([first], SentenceKinds.Category),
        ];

        int written = SentenceDatasetWriter.Write(dir.Path, sentences);
        ParsedSentences parsed = VisualSentenceParser.Parse(File.ReadAllText(dir.File(SentenceDatasetWriter.SentencesFileName)));

        Assert.Equal(2, written);
        Assert.Empty(parsed.Invalid);
        Assert.Equal(["s000000/00.png", "s000000/01.png"], parsed.Sentences[0].Images);
        Assert.Equal("pairs", parsed.Sentences[0].Kind);
        RgbImage back = ImageLoader.Load(Path.Combine(dir.Path, "s000000", "00.png"), ImageLimits.Default);
        Assert.Equal(first.Data, back.Data);
    }
}
