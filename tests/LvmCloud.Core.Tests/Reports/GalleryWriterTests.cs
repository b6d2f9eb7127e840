using LvmCloud.Core.Manifests;
using LvmCloud.Core.Reports;
using LvmCloud.Core.Results;

namespace LvmCloud.Core.Tests.Reports;

public sealed class GalleryWriterTests
{
    private static readonly ResultRecord Ok = new(
        "cat-1",
        ResultStatus.Succeeded,
        null,
        null,
        ["items/cat-1/x.png", "items/cat-1/x c1.png"],
        "items/cat-1/contact.png",
        new ResultTimings(1, 2, 30, 4, 37),
        7,
        12.3456);

    [Fact]
    public void Lists_each_item_with_its_images_and_numbers()
    {
        var entry = new GalleryEntry(Ok, ["../inputs/a.png", "../inputs/b.png"], ["../inputs/t.png"]);

        string html = GalleryWriter.Write("Batch 42", [entry, new GalleryEntry(ResultRecord.Failed("dog", "too-many-pixels", "Image 'd.png' rejected"), [], [])]);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>Batch 42</title>", html);
        Assert.Contains("<img src=\"../inputs/a.png\"", html);
        Assert.Contains("<img src=\"../inputs/t.png\"", html);
        Assert.Contains("<img src=\"items/cat-1/x%20c1.png\"", html);
        Assert.Contains("class=\"sheet\"", html);
        Assert.Contains("perplexity 12.346", html);
        Assert.Contains("seed 7", html);
        Assert.Contains("total 37 ms", html);
        Assert.Contains("[too-many-pixels] Image &#39;d.png&#39; rejected", html);
        Assert.Contains("1 succeeded", html);
        Assert.Contains("1 failed", html);
    }

    [Fact]
    public void Escapes_script_in_ids_errors_and_titles()
    {
        ResultRecord evil = ResultRecord.Failed("<script>alert(1)</script>", "bad", "<script>alert(2)</script> & \"quotes\"");

        string html = GalleryWriter.Write("<script>alert(3)</script>", [evil]);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&lt;script&gt;alert(2)&lt;/script&gt; &amp; &quot;quotes&quot;", html);
        Assert.Contains("&lt;script&gt;alert(3)&lt;/script&gt;", html);
    }

    [Fact]
    public void Unsafe_links_are_shown_as_text_not_linked()
    {
        ResultRecord odd = Ok with { Outputs = ["javascript:alert(1)", "\"><img src=x onerror=alert(1)>", "https://evil.test/x.png"] };

        string html = GalleryWriter.Write("b", [odd]);

        Assert.DoesNotContain("src=\"javascript", html);
        Assert.DoesNotContain("href=\"https://evil", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("<code>javascript:alert(1)</code>", html);
    }

    [Fact]
    public void Page_is_self_contained()
    {
        string html = GalleryWriter.Write("b", [new GalleryEntry(Ok, ["../inputs/a.png"], [])]);

        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("<style>", html);
    }

    [Fact]
    public void Entry_links_manifest_inputs_and_targets_through_a_prefix()
    {
        BatchItem item = BatchManifestParser.Parse("""{"id": "cat-1", "input": ["p/a.png"], "target": ["t.png"]}""").Items[0];

        GalleryEntry entry = GalleryEntry.For(Ok, item, "../inputs/");

        Assert.Equal(["../inputs/p/a.png"], entry.PromptLinks);
        Assert.Equal(["../inputs/t.png"], entry.TargetLinks);
    }
}
