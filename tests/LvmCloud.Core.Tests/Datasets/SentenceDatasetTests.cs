using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Storage;

namespace LvmCloud.Core.Tests.Datasets;

public sealed class SentenceDatasetTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FolderStore _store;

    public SentenceDatasetTests() => _store = new FolderStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    /// <summary>A 12×12 image whose pixels depend on <paramref name="seed"/>, saved as PNG under the dataset.</summary>
    private RgbImage Image(string path, int seed)
    {
        var image = new RgbImage(12, 12);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = ((i * 7 + seed * 31) % 256) / 255f;
        string full = _store.FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        ImageWriter.SavePng(image, full);
        return image;
    }

    private void Sentences(params string[] lines) =>
        File.WriteAllText(_dir.File(SentenceDatasetWriter.SentencesFileName), string.Join("\n", lines) + "\n");

    [Fact]
    public async Task Bad_lines_and_bad_images_skip_their_sentence_with_a_reason_and_the_rest_load()
    {
        var a0 = Image("a/0.png", 1);
        var a1 = Image("a/1.png", 2);
        Image("b/0.png", 3);
        File.WriteAllBytes(_dir.File("b/1.png"), "not an image at all"u8.ToArray());
        var d0 = Image("d/0.png", 4);
        Sentences(
            """{"images": ["a/0.png", "a/1.png"], "kind": "pairs"}""",
            """{"images": ["b/0.png", "b/1.png"]""",                   // line 2: not valid JSON
            """{"images": ["b/0.png", "b/1.png"], "id": "broken"}""",  // line 3: b/1.png is not an image
            """{"images": ["../outside.png"]}""",                       // line 4: leaves the dataset
            """{"images": ["c/0.png", "d/0.png"]}""",                   // line 5: c/0.png is missing
            """{"images": ["d/0.png", "a/0.png"], "id": "last"}""");

        var dataset = await SentenceDataset.OpenAsync(_store);

        Assert.Equal([1, 3, 5, 6], dataset.Sentences.Select(s => s.LineNumber));
        Assert.Equal([(2, "line-00002", ManifestErrorReason.BadJson), (4, "line-00004", "path-traversal")],
            dataset.Invalid.Select(s => (s.LineNumber, s.SentenceId, s.Reason)));
        Assert.All(dataset.Invalid, s => Assert.StartsWith($"line {s.LineNumber}: ", s.Message));

        var loaded = await dataset.LoadSentencesAsync(dataset.Sentences, 12);

        Assert.Equal(["line-00001", "last"], loaded.Loaded.Select(s => s.Sentence.SentenceId));
        Assert.Equal([("broken", 3, ImageRejectReason.UnknownFormat), ("line-00005", 5, ImageRejectReason.NotFound)],
            loaded.Skipped.Select(s => (s.SentenceId, s.LineNumber, s.Reason)));
        Assert.Contains("b/1.png", loaded.Skipped[0].Message);
        Assert.Contains("c/0.png", loaded.Skipped[1].Message);
        Assert.Equal(a0.Data, loaded.Loaded[0].Images[0].Data); // same size: pixels come back exactly
        Assert.Equal(a1.Data, loaded.Loaded[0].Images[1].Data);
        Assert.Equal([d0.Data, a0.Data], loaded.Loaded[1].Images.Select(i => i.Data));
    }

    [Fact]
    public async Task Images_are_resized_like_the_loader_does_and_limits_reject_before_decoding()
    {
        Image("a.png", 1);
        Sentences("""{"images": ["a.png"]}""");
        var dataset = await SentenceDataset.OpenAsync(_store);

        var image = await dataset.LoadImageAsync("a.png", 8);

        var expected = ImageLoader.LoadForModel(_dir.File("a.png"), 8, ResizeMode.Stretch, ImageLimits.Default).Pixels;
        Assert.Equal(expected.Data, image.Data);

        var tight = await SentenceDataset.OpenAsync(_store, new SentenceDatasetOptions { ImageLimits = ImageLimits.Default with { MaxBytes = 40 } });
        var ex = await Assert.ThrowsAsync<ImageRejectedException>(() => tight.LoadImageAsync("a.png", 8));
        Assert.Equal(ImageRejectReason.TooLargeBytes, ex.Reason);
        var small = await SentenceDataset.OpenAsync(_store, new SentenceDatasetOptions { ImageLimits = ImageLimits.Default with { MaxPixels = 100 } });
        Assert.Equal(ImageRejectReason.TooManyPixels, (await Assert.ThrowsAsync<ImageRejectedException>(() => small.LoadImageAsync("a.png", 8))).Reason);
    }

    [Fact]
    public async Task Each_distinct_image_is_read_once_and_preloaded_images_not_at_all()
    {
        Image("x.png", 1);
        Image("y.png", 2);
        Image("z.png", 3);
        Sentences("""{"images": ["x.png", "y.png", "x.png"]}""", """{"images": ["y.png", "z.png"]}""");
        var counting = new CountingStore(_store);
        var dataset = await SentenceDataset.OpenAsync(counting);
        var z = await dataset.LoadImageAsync("z.png", 12);
        counting.Reads.Clear();

        var loaded = await dataset.LoadSentencesAsync(dataset.Sentences, 12, new Dictionary<string, RgbImage> { ["z.png"] = z });

        Assert.Equal(2, loaded.Loaded.Count);
        Assert.Equal(["x.png", "y.png"], counting.Reads.Order());
        Assert.Same(z, loaded.Loaded[1].Images[1]);
    }

    [Fact]
    public async Task Load_images_lists_rejected_images_apart_and_keeps_the_order_of_the_rest()
    {
        var a = Image("a.png", 1);
        var c = Image("c.png", 3);
        Sentences("""{"images": ["a.png", "b.png", "c.png"]}""");
        var dataset = await SentenceDataset.OpenAsync(_store);
        int done = 0;

        var images = await dataset.LoadImagesAsync(dataset.DistinctImages(), 12, n => Interlocked.Add(ref done, n));

        Assert.Equal(["a.png", "c.png"], images.Paths);
        Assert.Equal([a.Data, c.Data], images.Images.Select(i => i.Data));
        Assert.Equal(("b.png", ImageRejectReason.NotFound), (Assert.Single(images.Rejected).Path, images.Rejected[0].Reason));
        Assert.Equal(3, done);
    }

    [Fact]
    public async Task Chunks_count_lines_valid_or_not()
    {
        Sentences(
            """{"images": ["0.png"]}""",
            """{"images": ["1.png"]""",
            "",
            """{"images": ["2.png"]}""",
            """{"images": ["3.png"]}""",
            """{"images": ["4.png"]}""");
        var dataset = await SentenceDataset.OpenAsync(_store);

        Assert.Equal(3, dataset.ChunkCount(2));
        var first = dataset.Chunk(0, 2);
        Assert.Equal([1], first.Sentences.Select(s => s.LineNumber));
        Assert.Equal([2], first.Invalid.Select(s => s.LineNumber));
        Assert.Equal([4, 5], dataset.Chunk(1, 2).Sentences.Select(s => s.LineNumber));
        Assert.Equal([6], dataset.Chunk(2, 2).Sentences.Select(s => s.LineNumber));
        Assert.Empty(dataset.Chunk(3, 2).Sentences);
    }

    [Fact]
    public async Task A_store_without_sentences_jsonl_is_a_clear_error()
    {
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => SentenceDataset.OpenAsync(_store));
        Assert.Contains("sentences.jsonl", ex.Message);
    }

    /// <summary>A real store that records every file opened for reading.</summary>
    private sealed class CountingStore(IFileStore inner) : IFileStore
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Reads { get; } = [];

        public string Describe(string path) => inner.Describe(path);

        public Task<StoredFile?> GetInfoAsync(string path, CancellationToken cancellationToken = default) => inner.GetInfoAsync(path, cancellationToken);

        public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
        {
            if (path != SentenceDatasetWriter.SentencesFileName) Reads.Add(path);
            return inner.OpenReadAsync(path, cancellationToken);
        }

        public Task WriteAsync(string path, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(path, content, contentType, cancellationToken);

        public IAsyncEnumerable<StoredFile> ListAsync(string prefix = "", CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
    }
}
