using LvmCloud.Core.Manifests;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Batches;
using LvmCloud.Worker;
using LvmCloud.Worker.Completion;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ModelRunnerTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly ModelReference Tiny = new(TinyModel.Name, TinyModel.Version);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-completer-");

    [Fact]
    public async Task Real_model_fails_a_broken_image_alone_reports_perplexity_and_a_redo_writes_the_same_pixels()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        TinyModel.Save(Path.Combine(_temp.FullName, "models"));
        using var store = new ModelCache(harness.Clients, Options.Create(new WorkerOptions
        {
            ModelsDirectory = Path.Combine(_temp.FullName, "models"),
            ModelCacheDirectory = Path.Combine(_temp.FullName, "cache"),
            Device = "cpu",
        }), NullLogger<ModelCache>.Instance);
        var runner = new BatchItemRunner(await store.OpenAsync(Tiny, CancellationToken.None));
        var inputs = new FolderStore(Path.Combine(_temp.FullName, "inputs"));
        await inputs.WriteBytesAsync("a.png", TestImages.Png(20, 12, 10));
        await inputs.WriteBytesAsync("b.png", TestImages.Png(20, 12, 90));
        await inputs.WriteBytesAsync("x.png", "not an image"u8.ToArray());
        var good = Item("{\"id\": \"good\", \"input\": [\"a.png\", \"b.png\"], \"n_candidates\": 2, \"seed\": 5}");
        var broken = Item("{\"id\": \"broken\", \"input\": [\"x.png\"]}");
        var scored = Item("{\"id\": \"scored\", \"input\": [\"a.png\"], \"target\": [\"b.png\"]}");
        var firstOut = new FolderStore(Path.Combine(_temp.FullName, "out1"));
        var againOut = new FolderStore(Path.Combine(_temp.FullName, "out2"));

        var first = await runner.RunAsync([good], inputs, firstOut);
        var again = await runner.RunAsync([broken, scored, good], inputs, againOut);

        var output = Assert.Single(first).Record;
        Assert.Null(output.Error);
        Assert.Equal(["good-c0-f0.png", "good-c1-f0.png"], output.Outputs.Select(Path.GetFileName));
        using (var png = Image.Load(await firstOut.ReadAllBytesAsync(output.Outputs[0])))
            Assert.Equal((TinyModel.Resolution, TinyModel.Resolution), (png.Width, png.Height));
        Assert.Equal(2 * 64, first[0].TokensGenerated);
        Assert.Equal(["broken", "scored", "good"], again.Select(o => o.ItemId));
        Assert.Contains("x.png", again[0].Record.Error);
        Assert.Null(again[1].Record.Error);
        Assert.True(again[1].Record.Perplexity > 0);
        Assert.Null(again[2].Record.Error);
        foreach (var path in output.Outputs.Append(output.ContactSheet!))
            Assert.Equal(await firstOut.ReadAllBytesAsync(path), await againOut.ReadAllBytesAsync(path));
        Assert.False(Directory.Exists(Path.Combine(_temp.FullName, "cache")), "a model in Worker:ModelsDirectory is not downloaded");
    }

    [Fact]
    public async Task Bundled_model_folder_is_found_without_a_version_folder_as_latest_or_its_own_version()
    {
        var root = Path.Combine(RepoRoot.Find(), "models");

        Assert.Equal(Path.Combine(root, "fmnist-lvm"), ModelCache.FindLocal(root, new ModelReference("fmnist-lvm", ModelCache.LatestVersion)));
        Assert.Equal(Path.Combine(root, "fmnist-lvm"), ModelCache.FindLocal(root, new ModelReference("fmnist-lvm", "2")));
        Assert.Null(ModelCache.FindLocal(root, new ModelReference("fmnist-lvm", "1")));
        Assert.Null(ModelCache.FindLocal(root, new ModelReference("lvm", ModelCache.LatestVersion)));
    }

    [Fact]
    public async Task Missing_model_fails_with_a_message_naming_it_and_where_it_was_looked_for()
    {
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        using var store = new ModelCache(harness.Clients, Options.Create(new WorkerOptions { ModelCacheDirectory = Path.Combine(_temp.FullName, "cache") }),
            NullLogger<ModelCache>.Instance);

        var missing = await Assert.ThrowsAsync<ModelNotFoundException>(() => store.GetAsync(new ModelReference("nosuch", "9"), CancellationToken.None));
        var traversal = await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync(new ModelReference("..", "1"), CancellationToken.None));

        Assert.Contains("nosuch/9", missing.Message);
        Assert.Contains("'models' container", missing.Message);
        Assert.Contains("not valid", traversal.Message);
    }

    private static BatchItem Item(string line) => Assert.Single(BatchManifestParser.Parse(line).Items);

    public void Dispose() => _temp.Delete(recursive: true);
}
