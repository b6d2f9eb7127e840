using LvmCloud.Cli.Batches;
using LvmCloud.Cli.Tests.Support;
using LvmCloud.Core.Images;
using LvmCloud.Core.Results;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Transformer;
using SixLabors.ImageSharp;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Tests.Batches;

public sealed class LocalBatchCompletionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-complete-").FullName;

    public LocalBatchCompletionTests() => LvmCloud.Vision.Native.TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A real, randomly initialised tiny LVM (16 px Tiny VQGAN, 2-layer transformer) saved as a model folder.</summary>
    private string SaveTinyModel()
    {
        manual_seed(3);
        using var model = new LvmModel(new VqganTokenizer(new VqganModel(VqganPresets.Tiny)),
            new LlamaForCausalLM(new LlamaConfig(64, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 256)), new LvmModelSettings(4, "tiny", "1"));
        string dir = Path.Combine(_root, "model");
        model.Save(dir);
        return dir;
    }

    private string WriteBatch()
    {
        string batch = Path.Combine(_root, "batch");
        for (int i = 0; i < 3; i++)
            ImageWriter.SavePng(RgbImage.Filled(24, 20, i / 3f, 0.5f, 1 - i / 3f), Path.Combine(batch, "inputs", $"img{i}.png"));
        File.WriteAllText(Path.Combine(batch, "inputs", "broken.png"), "this is not a png");
        File.WriteAllLines(Path.Combine(batch, "manifest.jsonl"),
        [
            """{"id": "a", "input": ["img0.png", "img1.png"], "output": "a.png"}""",
            """{"id": "b", "input": ["img2.png"], "n_new_frames": 2, "n_candidates": 2, "target": ["img0.png"], "resize_output": "original"}""",
            """{"id": "c", "input": ["broken.png"]}""",
            """{"id": "d", "input": ["img0.png"], "colour": "blue"}""",
            """{"input": ["img1.png"], "output": "lvm-style.png"}""",
        ]);
        return batch;
    }

    [Fact]
    public async Task Manifest_of_1_GB_is_refused_by_its_length_without_being_read()
    {
        string modelDir = SaveTinyModel();
        string batch = Path.Combine(_root, "big");
        Directory.CreateDirectory(Path.Combine(batch, "inputs"));
        string manifest = Path.Combine(batch, "manifest.jsonl");
        using (var file = File.Create(manifest))
            file.SetLength(1L << 30); // sparse: 1 GiB declared, nothing written
        string output = Path.Combine(_root, "out");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await CliRun.RunAsync("complete", manifest, "--model", modelDir, "--out", output, "--json");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"lvm complete took {clock.Elapsed}: it read the manifest");
        Assert.Equal(1, result.Json().GetProperty("failed").GetInt32());
        var record = Assert.Single(ResultsJsonl.Read(File.ReadAllText(Path.Combine(output, "results.jsonl"))));
        Assert.Equal(("manifest", ResultStatus.Failed, "manifest-too-large"), (record.Id, record.Status, record.ErrorCode));
        Assert.Contains($"{1L << 30} bytes", record.Error);
    }

    [Fact]
    public void Completes_good_items_and_fails_bad_ones_alone_with_their_reasons()
    {
        string modelDir = SaveTinyModel();
        string batch = WriteBatch();
        string output = Path.Combine(_root, "out");
        using var model = LvmModel.Load(modelDir);
        int done = 0;
        var summary = new LocalBatchCompletion(new CompletionPipeline(model), itemsPerRun: 2)
            .Run(Path.Combine(batch, "manifest.jsonl"), Path.Combine(batch, "inputs"), output, n => done += n);

        Assert.Equal(5, done);
        var results = ResultsJsonl.Read(File.ReadAllText(Path.Combine(output, "results.jsonl")));
        Assert.Equal(["a", "b", "c", "d", "item-00005"], results.Select(r => r.Id));
        Assert.Equal([ResultStatus.Succeeded, ResultStatus.Succeeded, ResultStatus.Failed, ResultStatus.Failed, ResultStatus.Succeeded], results.Select(r => r.Status));
        Assert.Contains("broken.png", results[2].Error);
        Assert.Contains("colour", results[3].Error);

        Assert.Equal(["items/a/a.png"], results[0].Outputs);
        using (var png = Image.Load(Path.Combine(output, "items/a/a.png"))) Assert.Equal((16, 16), (png.Width, png.Height));
        Assert.Equal(4, results[1].Outputs.Count); // 2 candidates x 2 frames
        using (var png = Image.Load(Path.Combine(output, results[1].Outputs[3]))) Assert.Equal((24, 20), (png.Width, png.Height)); // resize_output: original
        Assert.NotNull(results[1].Perplexity);
        Assert.True(File.Exists(Path.Combine(output, results[1].ContactSheet!)));
        Assert.Equal(["items/item-00005/lvm-style.png"], results[4].Outputs);

        string gallery = File.ReadAllText(Path.Combine(output, "gallery.html"));
        Assert.Contains("items/b/contact-sheet.png", gallery);
        Assert.Contains("../batch/inputs/img2.png", gallery);
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal(2, summary.Failed);
    }

    [Fact]
    public void Complete_command_exits_1_when_an_item_failed_and_2_for_a_missing_manifest()
    {
        string modelDir = SaveTinyModel();
        string batch = WriteBatch();
        int code = LvmApp.BuildRoot().Parse(["complete", Path.Combine(batch, "manifest.jsonl"), "--out", Path.Combine(_root, "o"), "--model", modelDir, "--threads", "1", "--json"]).Invoke();
        Assert.Equal(ExitCodes.SomeItemsFailed, code);
        Assert.True(File.Exists(Path.Combine(_root, "o", "gallery.html")));
        int missing = LvmApp.BuildRoot().Parse(["complete", Path.Combine(batch, "nope.jsonl"), "--out", Path.Combine(_root, "o2"), "--model", modelDir, "--threads", "1"]).Invoke();
        Assert.Equal(ExitCodes.InvalidInput, missing);
    }
}
