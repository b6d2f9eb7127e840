using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tests.Training;

namespace LvmCloud.Vision.Tests.Pipelines;

[Collection(TorchRngCollection.Name)]
public sealed class CompletionPipelineTests : IDisposable
{
    private readonly LvmModel _model = TinyLvm.Create(contextFrames: 4);

    public void Dispose() => _model.Dispose();

    private static LoadedImage Image(float shade, int sourceSize = 16)
    {
        var pixels = RgbImage.Filled(16, 16, shade, 1 - shade, 0.5f);
        return new LoadedImage(pixels, sourceSize, sourceSize, new ImageInfo(sourceSize, sourceSize, 1, ImageFileFormat.Png));
    }

    private static BatchItem Item(string id, int frames, int newFrames = 1, int candidates = 1, long seed = 1, ResizeOutputMode output = ResizeOutputMode.Model) =>
        new(id, 1, Enumerable.Range(0, frames).Select(i => $"{id}-{i}.png").ToList(), $"{id}.png", [],
            new GenerationRequest(newFrames, candidates, new Sampling(1f, 1f, 0)), seed, new ImageSizing(ResizeMode.Stretch, output));

    [Fact]
    public void Completes_items_of_different_shapes_in_one_call()
    {
        var pipeline = new CompletionPipeline(_model);
        var inputs = new List<CompletionInput>
        {
            new(Item("a", frames: 2), [Image(0.1f), Image(0.2f)], []),
            new(Item("b", frames: 1, newFrames: 2, candidates: 3), [Image(0.3f)], []),
            new(Item("c", frames: 2), [Image(0.4f), Image(0.5f)], [Image(0.6f)]),
        };
        int reported = 0;
        var outputs = pipeline.Run(inputs, new Progress<int>(n => Interlocked.Add(ref reported, n)));
        Assert.Equal(["a", "b", "c"], outputs.Select(o => o.ItemId));
        Assert.All(outputs, o => Assert.Null(o.Error));
        Assert.Single(outputs[0].Candidates);
        Assert.Equal(3, outputs[1].Candidates.Count);
        Assert.All(outputs[1].Candidates, c => Assert.Equal(2, c.Count));
        Assert.All(outputs.SelectMany(o => o.Candidates).SelectMany(c => c), img => Assert.Equal((16, 16), (img.Width, img.Height)));
        Assert.All(outputs.SelectMany(o => o.Candidates).SelectMany(c => c).SelectMany(i => i.Data), v => Assert.InRange(v, 0f, 1f));
        Assert.Null(outputs[0].Perplexity);
        Assert.NotNull(outputs[2].Perplexity);
        Assert.Equal(2 * 3 * 64, outputs[1].TokensGenerated);
    }

    [Fact]
    public void An_item_without_frames_fails_alone()
    {
        var pipeline = new CompletionPipeline(_model);
        var outputs = pipeline.Run([new(Item("empty", 0), [], []), new(Item("ok", 1), [Image(0.2f)], [])]);
        Assert.Contains("no prompt frames", outputs[0].Error);
        Assert.Null(outputs[1].Error);
        Assert.Single(outputs[1].Candidates);
    }

    [Fact]
    public void Same_seed_gives_the_same_pixels_and_original_size_output_follows_the_last_prompt_frame()
    {
        var pipeline = new CompletionPipeline(_model);
        var item = Item("x", 1, seed: 42, output: ResizeOutputMode.Original);
        var first = pipeline.Run([new(item, [Image(0.7f, sourceSize: 40)], [])])[0];
        var again = pipeline.Run([new(Item("other", 1), [Image(0.1f)], []), new(item, [Image(0.7f, sourceSize: 40)], [])])[1];
        Assert.Equal((40, 40), (first.Candidates[0][0].Width, first.Candidates[0][0].Height));
        // Same tokens; decoding in a batch of another size moves pixels by float noise only (~1e-7).
        var a = first.Candidates[0][0].Data;
        var b = again.Candidates[0][0].Data;
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.True(Math.Abs(a[i] - b[i]) < 1e-4, $"pixel {i}: {a[i]} vs {b[i]}"));
    }

    [Fact]
    public void Saved_model_folder_loads_back()
    {
        string dir = Directory.CreateTempSubdirectory("lvm-model-").FullName;
        try
        {
            _model.Save(dir);
            using var loaded = LvmModel.Load(dir);
            Assert.Equal(4, loaded.Settings.ContextFrames);
            Assert.Equal(64, loaded.CodebookSize);
            Assert.Throws<DirectoryNotFoundException>(() => LvmModel.Load(Path.Combine(dir, "tokenizer")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
