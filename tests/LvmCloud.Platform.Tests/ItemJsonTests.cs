using LvmCloud.Core.Manifests;
using LvmCloud.Platform.Intake;

namespace LvmCloud.Platform.Tests;

public sealed class ItemJsonTests
{
    private const string Line = """{"id": "cat-1", "input": ["a.png", "b.png"], "output": "x.png", "target": ["c.png"], "n_new_frames": 2, "n_candidates": 3, "temperature": 0.7, "top_p": 0.9, "top_k": 50, "seed": 7, "resize": "center-crop", "resize_output": "original"}""";

    // The item row's JSON as intake has always written it; workers must keep reading rows written before an upgrade.
    private const string Stored = """{"id":"cat-1","input":["a.png","b.png"],"output":"x.png","target":["c.png"],"newFrames":2,"candidates":3,"temperature":0.7,"topP":0.9,"topK":50,"seed":7,"resize":"CenterCrop","resizeOutput":"Original","lineNumber":1}""";

    [Fact]
    public void Writes_the_stored_item_format()
    {
        BatchItem item = Assert.Single(BatchManifestParser.Parse(Line).Items);

        Assert.Equal(Stored, ItemJson.Write(item));
    }

    [Fact]
    public void Reads_back_what_it_wrote()
    {
        BatchItem item = ItemJson.Read(Stored);

        Assert.Equal(("cat-1", 1, "x.png", 7L), (item.Id, item.LineNumber, item.Output, item.Seed));
        Assert.Equal(["a.png", "b.png"], item.Input);
        Assert.Equal(["c.png"], item.Target);
        Assert.Equal(Stored, ItemJson.Write(item));
    }
}
