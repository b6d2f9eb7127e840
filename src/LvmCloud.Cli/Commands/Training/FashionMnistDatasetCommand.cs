using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Cli.Commands.Training;

/// <summary><c>lvm dataset fashion-mnist</c>: writes Fashion-MNIST visual sentences as a dataset folder (PNGs + sentences.jsonl).</summary>
public sealed class FashionMnistDatasetCommand() : LvmCommand("dataset-fashion-mnist",
    "Build LVM visual sentences (analogies, inpainting, videos, categories) from Fashion-MNIST into a dataset folder.")
{
    private readonly Option<string> _source = new("--source") { Description = "Folder with the Fashion-MNIST IDX .gz files.", DefaultValueFactory = _ => "/usr/share/datasets/fashion-mnist" };
    private readonly Option<string> _out = new("--out") { Description = "Dataset folder to write.", Required = true };
    private readonly Option<string> _split = new("--split") { Description = "train or test (held out).", DefaultValueFactory = _ => "train" };
    private readonly Option<int> _sentences = new("--sentences") { Description = "How many sentences.", DefaultValueFactory = _ => 10000 };
    private readonly Option<int?> _images = new("--images") { Description = "Use only the first N images of the split." };
    private readonly Option<long> _seed = new("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => 0 };
    private readonly Option<bool> _asBatch = new("--as-batch") { Description = "Write a batch for `lvm complete` instead (manifest.jsonl + inputs/): prompt = all frames but the last, target = the last." };

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _source, _out, _split, _sentences, _images, _seed, _asBatch }) command.Options.Add(o);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        string split = parse.GetValue(_split)!;
        if (split is not ("train" or "test")) throw new UserInputException($"--split must be 'train' or 'test', got '{split}'.");
        int count = parse.GetValue(_sentences);
        if (count <= 0) throw new UserInputException("--sentences must be positive.");
        var images = FashionMnistSentences.LoadImages(parse.GetValue(_source)!, split == "test", parse.GetValue(_images));
        string outDir = parse.GetValue(_out)!;
        if (parse.GetValue(_asBatch))
        {
            int items = SampleBatchWriter.Write(outDir, FashionMnistSentences.Generate(images, count, parse.GetValue(_seed)));
            if (console.JsonOutput) console.WriteJson(new { items, manifest = Path.Combine(outDir, SampleBatchWriter.ManifestName) });
            else console.Info($"{items} items → {Path.Combine(outDir, SampleBatchWriter.ManifestName)}");
            return ExitCodes.Success;
        }
        int written = await console.WithProgressAsync($"writing {count} sentences", count, progress =>
        {
            var sentences = FashionMnistSentences.Generate(images, count, parse.GetValue(_seed)).Select(s =>
            {
                ct.ThrowIfCancellationRequested();
                progress.Advance(1);
                return s;
            });
            return Task.FromResult(SentenceDatasetWriter.Write(outDir, sentences));
        });
        if (console.JsonOutput) console.WriteJson(new { sentences = written, folder = outDir });
        else console.Info($"{written} sentences from {images.Count} images → {Path.Combine(outDir, SentenceDatasetWriter.SentencesFileName)}");
        return ExitCodes.Success;
    }
}
