using LvmCloud.Core.Manifests;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Worker;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ModelCompleterTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly ModelReference Tiny = new(TinyModel.Name, TinyModel.Version);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-completer-");

    [Fact]
    public async Task Completer_fails_a_broken_image_alone_reports_perplexity_and_a_redo_writes_the_same_pixels()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        TinyModel.Save(Path.Combine(_temp.FullName, "models"));
        using var store = new ModelStore(harness.Clients, Options.Create(new WorkerOptions
        {
            ModelsDirectory = Path.Combine(_temp.FullName, "models"),
            ModelCacheDirectory = Path.Combine(_temp.FullName, "cache"),
            Device = "cpu",
        }), NullLogger<ModelStore>.Instance);
        var completer = new ModelCompleter(store, NullLogger<ModelCompleter>.Instance);
        var good = Input("{\"id\": \"good\", \"input\": [\"a.png\", \"b.png\"], \"n_candidates\": 2, \"seed\": 5}",
            ("a.png", TestImages.Png(20, 12, 10)), ("b.png", TestImages.Png(20, 12, 90)));
        var broken = Input("{\"id\": \"broken\", \"input\": [\"x.png\"]}", ("x.png", "not an image"u8.ToArray()));
        var scored = Input("{\"id\": \"scored\", \"input\": [\"a.png\"], \"target\": [\"b.png\"]}",
            ("a.png", TestImages.Png(20, 12, 10)), ("b.png", TestImages.Png(20, 12, 90)));

        var first = await completer.CompleteAsync([good], Tiny, CancellationToken.None);
        var again = await completer.CompleteAsync([broken, scored, good], Tiny, CancellationToken.None);

        var output = Assert.Single(first);
        Assert.Null(output.Error);
        Assert.Equal(["good-c0-f0.png", "good-c1-f0.png"], output.Files.Select(f => f.Name));
        using (var png = Image.Load(output.Files[0].Png.Span))
            Assert.Equal((TinyModel.Resolution, TinyModel.Resolution), (png.Width, png.Height));
        Assert.Equal(2 * 64, output.TokensGenerated);
        Assert.Equal(["broken", "scored", "good"], again.Select(o => o.ItemId));
        Assert.Contains("x.png", again[0].Error);
        Assert.Null(again[1].Error);
        Assert.True(again[1].Perplexity > 0);
        Assert.Null(again[2].Error);
        Assert.Equal(output.Files.Select(f => f.Png.ToArray()), again[2].Files.Select(f => f.Png.ToArray()));
        Assert.False(Directory.Exists(Path.Combine(_temp.FullName, "cache")), "a model in Worker:ModelsDirectory is not downloaded");
    }

    [Fact]
    public async Task Missing_model_fails_with_a_message_naming_it_and_where_it_was_looked_for()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        using var store = new ModelStore(harness.Clients, Options.Create(new WorkerOptions { ModelCacheDirectory = Path.Combine(_temp.FullName, "cache") }),
            NullLogger<ModelStore>.Instance);

        var missing = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.GetAsync(new ModelReference("nosuch", "9"), CancellationToken.None));
        var traversal = await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync(new ModelReference("..", "1"), CancellationToken.None));

        Assert.Contains("nosuch/9", missing.Message);
        Assert.Contains("'models' container", missing.Message);
        Assert.Contains("not valid", traversal.Message);
    }

    private static WorkItemInput Input(string line, params (string Path, byte[] Bytes)[] images)
    {
        var item = Assert.Single(BatchManifestParser.Parse(line).Items);
        var byPath = images.ToDictionary(i => i.Path, i => new InputImage(i.Path, i.Bytes));
        return new WorkItemInput("b-test", item, item.Input.Select(p => byPath[p]).ToList(), item.Target.Select(p => byPath[p]).ToList());
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
