using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;

namespace LvmCloud.Core.Tests.Manifests;

public sealed class BatchManifestParserTests
{
    [Fact]
    public void Parses_lvm_batch_script_lines_with_builtin_defaults()
    {
        ParsedManifest parsed = BatchManifestParser.Parse("""{"input": ["a.png", "b.png"], "output": "x.png"}""");

        BatchItem item = Assert.Single(parsed.Items);
        Assert.Empty(parsed.Invalid);
        Assert.Equal("item-00001", item.Id);
        Assert.Equal(1, item.LineNumber);
        Assert.Equal(["a.png", "b.png"], item.Input);
        Assert.Equal("x.png", item.Output);
        Assert.Empty(item.Target);
        Assert.Equal((1, 1, 1f, 1f, 0), (item.Generation.NewFrames, item.Generation.Candidates, item.Generation.Sampling.Temperature, item.Generation.Sampling.TopP, item.Generation.Sampling.TopK));
        Assert.Equal((ResizeMode.Stretch, ResizeOutputMode.Model), (item.Sizing.Resize, item.Sizing.ResizeOutput));
        Assert.Equal(StableSeed.Derive(0, "item-00001"), item.Seed);
    }

    [Fact]
    public void Parses_every_extended_field()
    {
        const string line = """{"id": "cat-1", "input": ["a.png", "b.png"], "output": "x.png", "target": ["c.png"], "n_new_frames": 2, "n_candidates": 3, "temperature": 0.7, "top_p": 0.9, "top_k": 50, "seed": 7, "resize": "center-crop", "resize_output": "original"}""";

        BatchItem item = Assert.Single(BatchManifestParser.Parse(line).Items);

        Assert.Equal(
            new BatchItem("cat-1", 1, item.Input, "x.png", item.Target, new GenerationRequest(2, 3, new Sampling(0.7f, 0.9f, 50)), 7, new ImageSizing(ResizeMode.CenterCrop, ResizeOutputMode.Original)),
            item);
        Assert.Equal(["c.png"], item.Target);
    }

    [Fact]
    public void Output_defaults_to_id_png()
    {
        BatchItem item = Assert.Single(BatchManifestParser.Parse("""{"id": "abc", "input": ["a.png"]}""").Items);

        Assert.Equal("abc.png", item.Output);
    }

    [Fact]
    public void Derived_ids_use_the_physical_line_number()
    {
        string jsonl = "\n" + """{"input": ["a.png"]}""" + "\r\n\r\n" + """{"input": ["b.png"]}""" + "\n";

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Equal(["item-00002", "item-00004"], parsed.Items.Select(i => i.Id));
        Assert.Equal(["item-00002.png", "item-00004.png"], parsed.Items.Select(i => i.Output));
    }

    [Fact]
    public void Defaults_line_applies_to_items_that_leave_fields_out()
    {
        string jsonl = """
            {"defaults": {"n_candidates": 4, "temperature": 0.5, "seed": 99, "resize": "center-crop"}}
            {"id": "a", "input": ["a.png"]}
            {"id": "b", "input": ["b.png"], "n_candidates": 2, "seed": 3}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Empty(parsed.Invalid);
        Assert.Equal(4, parsed.Defaults.Generation.Candidates);
        BatchItem a = parsed.Items[0];
        BatchItem b = parsed.Items[1];
        Assert.Equal((4, 0.5f, ResizeMode.CenterCrop), (a.Generation.Candidates, a.Generation.Sampling.Temperature, a.Sizing.Resize));
        Assert.Equal(StableSeed.Derive(99, "a"), a.Seed);
        Assert.Equal((2, 3L), (b.Generation.Candidates, b.Seed));
        Assert.Equal(2, a.LineNumber);
    }

    [Fact]
    public void Batch_json_supplies_defaults_and_the_defaults_line_overrides_it()
    {
        const string batchJson = """{"defaults": {"n_new_frames": 3, "top_k": 10}}""";
        string jsonl = """
            {"defaults": {"top_k": 20}}
            {"id": "a", "input": ["a.png"]}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl, batchJson, ManifestLimits.Default);

        BatchItem item = Assert.Single(parsed.Items);
        Assert.Equal((3, 20), (item.Generation.NewFrames, item.Generation.Sampling.TopK));
    }

    [Fact]
    public void Invalid_defaults_fail_every_item_with_the_reason()
    {
        string jsonl = """
            {"defaults": {"temprature": 0.5}}
            {"id": "a", "input": ["a.png"]}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Empty(parsed.Items);
        Assert.Equal(2, parsed.Invalid.Count);
        Assert.Equal(ManifestErrorReason.BadDefaults, parsed.Invalid[0].Reason);
        Assert.Contains("temprature", parsed.Invalid[0].Error);
        Assert.Equal(new InvalidLine(2, "a", ManifestErrorReason.BadDefaults, parsed.Invalid[1].Error), parsed.Invalid[1]);
        Assert.Contains("temprature", parsed.Invalid[1].Error);
    }

    [Fact]
    public void Invalid_batch_json_fails_every_item()
    {
        ParsedManifest parsed = BatchManifestParser.Parse(
            """{"input": ["a.png"]}""", """{"defaults": {"n_candidates": "two"}}""", ManifestLimits.Default);

        InvalidLine line = Assert.Single(parsed.Invalid);
        Assert.Equal(ManifestErrorReason.BadDefaults, line.Reason);
        Assert.Contains("batch.json", line.Error);
        Assert.Contains("n_candidates", line.Error);
    }

    [Fact]
    public void Defaults_line_after_the_first_line_is_an_error()
    {
        string jsonl = """
            {"input": ["a.png"]}
            {"defaults": {"top_k": 5}}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Single(parsed.Items);
        Assert.Equal(0, parsed.Items[0].Generation.Sampling.TopK);
        Assert.Equal(ManifestErrorReason.MisplacedDefaults, Assert.Single(parsed.Invalid).Reason);
    }

    [Theory]
    [InlineData("""{"input": ["a.png"], "temprature": 1.0}""", ManifestErrorReason.UnknownField, "temprature")]
    [InlineData("""{"input": ["a.png"]""", ManifestErrorReason.BadJson, "JSON")]
    [InlineData("""["a.png"]""", ManifestErrorReason.NotAnObject, "JSON object")]
    [InlineData("""{"output": "x.png"}""", ManifestErrorReason.MissingInput, "input")]
    [InlineData("""{"input": []}""", ManifestErrorReason.MissingInput, "empty")]
    [InlineData("""{"input": "a.png"}""", ManifestErrorReason.WrongType, "'input' must be an array")]
    [InlineData("""{"input": ["a.png", 3]}""", ManifestErrorReason.WrongType, "input[1]")]
    [InlineData("""{"input": ["a.png"], "n_candidates": "2"}""", ManifestErrorReason.WrongType, "n_candidates")]
    [InlineData("""{"input": ["a.png"], "n_new_frames": 1.5}""", ManifestErrorReason.WrongType, "n_new_frames")]
    [InlineData("""{"input": ["a.png"], "n_new_frames": 0}""", ManifestErrorReason.OutOfRange, "n_new_frames")]
    [InlineData("""{"input": ["a.png"], "n_new_frames": 9}""", ManifestErrorReason.TooManyFrames, "limit is 8")]
    [InlineData("""{"input": ["a.png"], "n_candidates": 9}""", ManifestErrorReason.TooManyCandidates, "limit is 8")]
    [InlineData("""{"input": ["a.png"], "top_p": 0}""", ManifestErrorReason.OutOfRange, "top_p")]
    [InlineData("""{"input": ["a.png"], "top_p": 1.5}""", ManifestErrorReason.OutOfRange, "top_p")]
    [InlineData("""{"input": ["a.png"], "temperature": -1}""", ManifestErrorReason.OutOfRange, "temperature")]
    [InlineData("""{"input": ["a.png"], "top_k": -1}""", ManifestErrorReason.OutOfRange, "top_k")]
    [InlineData("""{"input": ["a.png"], "seed": -5}""", ManifestErrorReason.OutOfRange, "seed")]
    [InlineData("""{"input": ["a.png"], "resize": "fit"}""", ManifestErrorReason.OutOfRange, "center-crop")]
    [InlineData("""{"input": ["a.png"], "resize_output": "big"}""", ManifestErrorReason.OutOfRange, "original")]
    [InlineData("""{"input": ["a.png"], "output": "x.jpg"}""", ManifestErrorReason.BadOutput, ".png")]
    [InlineData("""{"input": ["a.png"], "id": "a/b"}""", ManifestErrorReason.BadId, "a/b")]
    [InlineData("""{"input": ["a.png"], "id": ".."}""", ManifestErrorReason.BadId, "'..'")]
    [InlineData("""{"input": ["a.png"], "id": ""}""", ManifestErrorReason.BadId, "1 to 64")]
    [InlineData("""{"input": ["a.png"], "id": "a\n"}""", ManifestErrorReason.BadId, "not allowed")]
    [InlineData("""{"input": ["a.png"], "input": ["b.png"]}""", ManifestErrorReason.DuplicateField, "twice")]
    [InlineData("""{"input": ["../a.png"]}""", "path-traversal", "input[0]")]
    [InlineData("""{"input": ["/a.png"]}""", "path-absolute", "input[0]")]
    [InlineData("""{"input": ["https://x.test/a.png"]}""", "path-url", "input[0]")]
    [InlineData("""{"input": ["a\\b.png"]}""", "path-backslash", "input[0]")]
    [InlineData("""{"input": ["a.png"], "target": ["../t.png"]}""", "path-traversal", "target[0]")]
    [InlineData("""{"input": ["a.png"], "output": "../x.png"}""", "path-traversal", "output")]
    public void Bad_line_fails_alone_with_a_specific_reason(string badLine, string reason, string mentions)
    {
        string jsonl = """{"id": "before", "input": ["a.png"]}""" + "\n" + badLine + "\n" + """{"id": "after", "input": ["b.png"]}""";

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Equal(["before", "after"], parsed.Items.Select(i => i.Id));
        InvalidLine invalid = Assert.Single(parsed.Invalid);
        Assert.Equal(2, invalid.LineNumber);
        Assert.Equal(reason, invalid.Reason);
        Assert.Contains(mentions, invalid.Error);
    }

    [Fact]
    public void Invalid_line_keeps_its_id_when_it_was_readable()
    {
        ParsedManifest parsed = BatchManifestParser.Parse("""{"id": "dog", "input": ["a.png"], "colour": "red"}""");

        InvalidLine invalid = Assert.Single(parsed.Invalid);
        Assert.Equal(("dog", "unknown-field"), (invalid.Id, invalid.Reason));
        Assert.Equal("dog", invalid.ResultId);

        InvalidLine derived = Assert.Single(BatchManifestParser.Parse("""{"input": ["../a.png"]}""").Invalid);
        Assert.Equal("item-00001", derived.Id);

        InvalidLine unreadable = Assert.Single(BatchManifestParser.Parse("""{"id": 5, "input": ["a.png"]}""").Invalid);
        Assert.Null(unreadable.Id);
        Assert.Equal("line-00001", unreadable.ResultId);
    }

    [Fact]
    public void Duplicate_id_fails_the_later_line()
    {
        string jsonl = """
            {"id": "x", "input": ["a.png"]}
            {"id": "x", "input": ["b.png"], "output": "other.png"}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Equal("a.png", Assert.Single(parsed.Items).Input[0]);
        InvalidLine invalid = Assert.Single(parsed.Invalid);
        Assert.Equal((2, ManifestErrorReason.DuplicateId), (invalid.LineNumber, invalid.Reason));
        Assert.Contains("line 1", invalid.Error);
    }

    [Fact]
    public void Duplicate_output_ignoring_case_fails_the_later_line()
    {
        string jsonl = """
            {"id": "a", "input": ["a.png"], "output": "Out.png"}
            {"id": "b", "input": ["b.png"], "output": "out.PNG"}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Equal(ManifestErrorReason.DuplicateOutput, Assert.Single(parsed.Invalid).Reason);
    }

    [Fact]
    public void Too_many_frames_counts_prompt_plus_new_frames()
    {
        var limits = ManifestLimits.Default with { MaxFramesPerItem = 3 };
        string jsonl = """
            {"id": "fits", "input": ["a.png", "b.png"], "n_new_frames": 1}
            {"id": "over", "input": ["a.png", "b.png"], "n_new_frames": 2}
            {"id": "targets", "input": ["a.png", "b.png"], "target": ["c.png", "d.png"]}
            {"id": "prompt", "input": ["a.png", "b.png", "c.png", "d.png"]}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl, null, limits);

        Assert.Equal("fits", Assert.Single(parsed.Items).Id);
        Assert.All(parsed.Invalid, line => Assert.Equal(ManifestErrorReason.TooManyFrames, line.Reason));
        Assert.Equal(["over", "targets", "prompt"], parsed.Invalid.Select(l => l.Id));
    }

    [Fact]
    public void Lines_over_max_items_fail_with_that_reason()
    {
        string jsonl = string.Join("\n", Enumerable.Range(0, 5).Select(i => $$"""{"input": ["{{i}}.png"]}"""));

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl, null, ManifestLimits.Default with { MaxItems = 3 });

        Assert.Equal(3, parsed.Items.Count);
        Assert.Equal([4, 5], parsed.Invalid.Select(l => l.LineNumber));
        Assert.All(parsed.Invalid, l => Assert.Equal(ManifestErrorReason.TooManyItems, l.Reason));
    }

    [Fact]
    public void Line_over_max_bytes_fails()
    {
        string longPath = new string('a', 300) + ".png";
        string jsonl = $$"""{"input": ["{{longPath}}"]}""";

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl, null, ManifestLimits.Default with { MaxLineBytes = 200 });

        Assert.Equal(ManifestErrorReason.LineTooLong, Assert.Single(parsed.Invalid).Reason);
    }

    [Fact]
    public void Null_optional_fields_count_as_absent()
    {
        BatchItem item = Assert.Single(BatchManifestParser.Parse(
            """{"id": "n", "input": ["a.png"], "output": null, "target": null, "seed": null}""").Items);

        Assert.Equal(("n.png", 0, StableSeed.Derive(0, "n")), (item.Output, item.Target.Count, item.Seed));
    }

    [Fact]
    public void Same_manifest_parses_to_the_same_seeds_every_time()
    {
        const string jsonl = """{"id": "s", "input": ["a.png"]}""";

        Assert.Equal(BatchManifestParser.Parse(jsonl).Items[0].Seed, BatchManifestParser.Parse(jsonl).Items[0].Seed);
    }

    [Fact]
    public void Lines_lists_items_and_invalid_lines_in_order()
    {
        string jsonl = """
            {"input": ["a.png"]}
            not json
            {"input": ["c.png"]}
            """;

        ParsedManifest parsed = BatchManifestParser.Parse(jsonl);

        Assert.Equal([1, 2, 3], parsed.Lines.Select(l => l.LineNumber));
        Assert.IsType<InvalidLine>(parsed.Lines.ElementAt(1));
    }
}
