using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Tests.Manifests;

public sealed class HostileManifestTests
{
    [Fact]
    public void Manifest_over_the_byte_limit_is_one_failed_record_and_no_line_is_read()
    {
        var limits = ManifestLimits.Default with { MaxManifestBytes = 100 };
        string manifest = string.Join('\n', Enumerable.Range(0, 5).Select(i => $"{{\"id\": \"i{i}\", \"input\": [\"a.png\"]}}"));

        var parsed = BatchManifestParser.Parse(manifest, null, limits);

        Assert.Empty(parsed.Items);
        var refused = Assert.Single(parsed.Invalid);
        Assert.Equal((BatchManifestParser.WholeManifestId, ManifestErrorReason.ManifestTooLarge), (refused.ResultId, refused.Reason));
        Assert.Contains($"{manifest.Length} bytes, the limit is 100 bytes", refused.Error);
        Assert.Null(BatchManifestParser.RefuseBySize(100, limits));
        Assert.NotNull(BatchManifestParser.RefuseBySize(1L << 30, ManifestLimits.Default));
    }

    [Fact]
    public void Batch_json_over_its_byte_limit_fails_every_item_with_bad_defaults()
    {
        var limits = ManifestLimits.Default with { MaxBatchJsonBytes = 10 };

        var parsed = BatchManifestParser.Parse("{\"id\": \"a\", \"input\": [\"a.png\"]}", "{\"defaults\": {\"seed\": 1}}", limits);

        var failed = Assert.Single(parsed.Invalid);
        Assert.Equal(ManifestErrorReason.BadDefaults, failed.Reason);
        Assert.Contains("batch.json is more than 10 bytes", failed.Error);
    }

    [Fact]
    public void Lone_surrogate_in_a_line_is_bad_json_not_an_exception()
    {
        var manifest = BatchManifestParser.Parse("{\"id\": \"a\", \"input\": [\"\ud800.png\"]}\n{\"id\": \"b\", \"input\": [\"b.png\"]}");
        Assert.Equal(ManifestErrorReason.BadJson, Assert.Single(manifest.Invalid).Reason);
        Assert.Equal("b", Assert.Single(manifest.Items).Id);

        var sentences = VisualSentenceParser.Parse("{\"images\": [\"\ud800.png\"]}\n{\"images\": [\"b.png\"]}");
        Assert.Equal(ManifestErrorReason.BadJson, Assert.Single(sentences.Invalid).Reason);
        Assert.Single(sentences.Sentences);
    }

    [Fact]
    public async Task Bounded_read_stops_one_byte_past_the_limit()
    {
        using var stream = new MemoryStream(new byte[1_000_000]);
        Assert.Equal(1001, (await BoundedText.ReadAsync(stream, 1000)).Length);
        Assert.Equal(1001, stream.Position);
    }

    [Fact]
    public async Task Bounded_read_drops_a_byte_order_mark_so_a_manifest_saved_with_one_parses()
    {
        using var stream = new MemoryStream([.. System.Text.Encoding.UTF8.Preamble, .. "{\"input\": [\"a.png\"]}"u8]);
        string text = await BoundedText.ReadAsync(stream, 1000);
        Assert.Equal('{', text[0]);
        Assert.Single(BatchManifestParser.Parse(text).Items);
    }
}
