using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Datasets;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Tests.Training;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Datasets;

[Collection(TorchRngCollection.Name)]
public sealed class DatasetTokenizerTests : IDisposable
{
    private readonly TestDataset _data = new();
    private readonly VqganTokenizer _tokenizer;

    public DatasetTokenizerTests()
    {
        manual_seed(3);
        _tokenizer = new VqganTokenizer(new VqganModel(VqganPresets.Tiny));
    }

    public void Dispose()
    {
        _tokenizer.Dispose();
        _data.Dispose();
    }

    private static FolderStore Output(TestDataset data, string name) => new(Path.Combine(data.Root, "out-" + name));

    [Fact]
    public async Task Writes_the_same_bytes_twice_and_the_rows_are_the_codes_the_vqgan_gives()
    {
        var kept = new List<IReadOnlyList<RgbImage>>
        {
            _data.Sentence(3, "sequence"),
            _data.Sentence(3, "pairs", id: "p-1"),
        };
        _data.Sentence(3);                       // line 3: an image that is not an image
        _data.Break("s002/1.png");
        kept.Add(_data.Sentence(3, "sequence"));
        _data.Sentence(3);                       // line 5: a missing image
        _data.Remove("s004/0.png");
        kept.Add(_data.Sentence(3));
        var dataset = await SentenceDataset.OpenAsync(_data.Store);
        var tokenizer = new DatasetTokenizer(_tokenizer, new DatasetTokenizerOptions { ImagesPerBatch = 7 });
        int reported = 0;

        var first = await tokenizer.TokenizeAsync(dataset, dataset.Sentences, Output(_data, "a"), "tokens/shard", n => reported += n);
        var second = await tokenizer.TokenizeAsync(dataset, dataset.Sentences, Output(_data, "b"), "tokens/shard");

        foreach (string path in new[] { first.JsonlPath, first.BinaryPath })
            Assert.Equal(File.ReadAllBytes(Output(_data, "a").FullPath(path)), File.ReadAllBytes(Output(_data, "b").FullPath(path)));
        Assert.Equal(("tokens/shard.jsonl", "tokens/shard.bin"), (first.JsonlPath, first.BinaryPath));
        Assert.Equal(["line-00001", "p-1", "line-00004", "line-00006"], first.SentenceIds);
        Assert.Equal((4, 4L * 3 * 64), (first.Sentences, first.Tokens));
        Assert.Equal([("line-00003", ImageRejectReason.UnknownFormat), ("line-00005", ImageRejectReason.NotFound)],
            first.Skipped.Select(s => (s.SentenceId, s.Reason)));
        Assert.Equal(6, reported);
        Assert.Equal(first.SentenceIds, second.SentenceIds);

        // The shard reads back, in either format, to what FrameCodec (the VQGAN) gives for the same images.
        var expected = kept.Select(images => FrameCodec.Encode(_tokenizer, images).SelectMany(codes => codes.Select(c => (int)c)).ToArray()).ToList();
        foreach (string path in new[] { first.JsonlPath, first.BinaryPath })
        {
            var shard = await TokenShardFiles.ReadAsync(Output(_data, "a"), path);
            Assert.Equal(expected, shard.Select(row => row.ToArray()));
        }
    }

    [Fact]
    public async Task A_chunk_becomes_its_numbered_shard_and_reports_its_unreadable_lines()
    {
        _data.Sentence(2);
        _data.Line("""{"images": ["../escape.png"]}""");
        _data.Sentence(2);
        _data.Sentence(2);
        var dataset = await SentenceDataset.OpenAsync(_data.Store);
        var output = Output(_data, "chunks");

        var shard = await new DatasetTokenizer(_tokenizer).TokenizeAsync(dataset, dataset.Chunk(0, 3), output);
        var next = await new DatasetTokenizer(_tokenizer).TokenizeAsync(dataset, dataset.Chunk(1, 3), output);

        Assert.Equal("shard-00000.jsonl", shard.JsonlPath);
        Assert.Equal(["line-00001", "line-00003"], shard.SentenceIds);
        Assert.Equal(("line-00002", 2, "path-traversal"), (Assert.Single(shard.Skipped).SentenceId, shard.Skipped[0].LineNumber, shard.Skipped[0].Reason));
        Assert.Equal("shard-00001.jsonl", next.JsonlPath);
        Assert.Equal(["line-00004"], next.SentenceIds);
        Assert.Equal(["shard-00000.bin", "shard-00000.jsonl", "shard-00001.bin", "shard-00001.jsonl"],
            await output.ListAsync().Select(f => f.Path).ToListAsync());
    }

    [Fact]
    public async Task A_shard_whose_write_fails_leaves_no_jsonl_behind()
    {
        _data.Sentence(2);
        var dataset = await SentenceDataset.OpenAsync(_data.Store);
        var output = Output(_data, "failing");
        var failing = new FailingStore(output, (op, path) => op == "write" && path.EndsWith(".jsonl", StringComparison.Ordinal));

        await Assert.ThrowsAsync<IOException>(() => new DatasetTokenizer(_tokenizer).TokenizeAsync(dataset, dataset.Sentences, failing, "shard"));

        Assert.False(await output.ExistsAsync("shard.jsonl"));
    }
}
