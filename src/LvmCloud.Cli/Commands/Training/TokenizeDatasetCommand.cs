using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Tokenizer;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>
/// <c>lvm tokenize-dataset</c>: turns a dataset folder's visual sentences into a token shard in LVM's format
/// (<c>{"tokens": base64(int32 LE)}</c> per line) plus its binary twin; same data in, same bytes out.
/// </summary>
public sealed class TokenizeDatasetCommand() : LvmCommand("tokenize-dataset",
    "Tokenize a dataset folder's visual sentences into a token shard (.jsonl in LVM's format + .bin twin).")
{
    private readonly Option<string> _tokenizer = new("--tokenizer") { Description = "Tokenizer folder (config.json + weights).", Required = true };
    private readonly Option<string> _data = new("--data") { Description = "Dataset folder (sentences.jsonl + images).", Required = true };
    private readonly Option<string> _out = new("--out") { Description = "Shard path; writes OUT.jsonl and OUT.bin (a .jsonl suffix is dropped).", Required = true };
    private readonly Option<int> _batch = new("--batch-size") { Description = "Images per tokenizer batch.", DefaultValueFactory = _ => 256 };
    private readonly Option<int> _threads = new("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _tokenizer, _data, _out, _batch, _threads }) command.Options.Add(o);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, IConsoleInteraction console, CancellationToken ct)
    {
        set_num_threads(parse.GetValue(_threads));
        int batchSize = parse.GetValue(_batch);
        if (batchSize <= 0) throw new UserInputException("--batch-size must be positive.");
        using var tokenizer = VqganTokenizer.Load(parse.GetValue(_tokenizer)!, maxBatchSize: batchSize);
        var dataset = SentenceDataset.Open(parse.GetValue(_data)!);
        string stem = parse.GetValue(_out)!;
        if (stem.EndsWith(".jsonl", StringComparison.Ordinal)) stem = stem[..^".jsonl".Length];
        var dir = Path.GetDirectoryName(Path.GetFullPath(stem));
        if (dir is not null) Directory.CreateDirectory(dir);
        int resolution = tokenizer.Config.Resolution;
        int total = dataset.Sentences.Count;

        int written = await console.WithProgressAsync($"tokenizing {total} sentences", total, progress =>
        {
            using var writer = new TokenShardWriter(stem + ".jsonl", stem + ".bin");
            // Sentences go through in chunks: their images are loaded and encoded together, then written in order.
            int perChunk = Math.Max(1, batchSize / Math.Max(1, dataset.Sentences[0].Images.Count));
            for (int start = 0; start < total; start += perChunk)
            {
                ct.ThrowIfCancellationRequested();
                var chunk = dataset.Sentences.Skip(start).Take(perChunk).ToList();
                var images = dataset.LoadImages(chunk.SelectMany(s => s.Images).ToList(), resolution);
                using var scope = NewDisposeScope();
                var codes = tokenizer.Encode(ImageTensors.Stack(images)).to(ScalarType.Int32).cpu();
                var flat = codes.data<int>().ToArray();
                int perImage = (int)codes.shape[1], offset = 0;
                foreach (var sentence in chunk)
                {
                    int length = sentence.Images.Count * perImage;
                    writer.Add(flat.AsSpan(offset, length));
                    offset += length;
                }
                progress.Advance(chunk.Count);
            }
            writer.Complete();
            return Task.FromResult(writer.Count);
        });
        if (console.JsonOutput) console.WriteJson(new { sentences = written, jsonl = stem + ".jsonl", bin = stem + ".bin" });
        else console.Info($"{written} sentences → {stem}.jsonl (+ {stem}.bin)");
        return ExitCodes.Success;
    }
}
