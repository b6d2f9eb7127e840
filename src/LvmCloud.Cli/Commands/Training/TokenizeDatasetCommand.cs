using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Paths;
using LvmCloud.Core.Storage;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Datasets;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>
/// <c>lvm tokenize-dataset</c>: turns a dataset folder's visual sentences into a token shard in LVM's format
/// (<c>{"tokens": base64(int32 LE)}</c> per line) plus its binary twin; same data in, same bytes out. The work is
/// <see cref="DatasetTokenizer"/>'s, the one a <c>tokenize</c> job runs in blob storage; this adapts a folder to it.
/// </summary>
public sealed class TokenizeDatasetCommand() : LvmCommand("tokenize-dataset",
    "Tokenize a dataset folder's visual sentences into a token shard (.jsonl in LVM's format + .bin twin).")
{
    private readonly Option<string> _tokenizer = new("--tokenizer") { Description = "Tokenizer folder (config.json + weights).", Required = true };
    private readonly Option<string> _data = new("--data") { Description = "Dataset folder (sentences.jsonl + images).", Required = true };
    private readonly Option<string> _out = new("--out") { Description = "Shard path; writes OUT.jsonl and OUT.bin (a .jsonl suffix is dropped).", Required = true };
    private readonly Option<int> _batch = new("--batch-size") { Description = "Images per tokenizer batch.", DefaultValueFactory = _ => 256 };
    private readonly Option<int> _threads = new("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly Option<int?> _max = new("--max-sentences") { Description = "Tokenize only the first N sentences." };
    private readonly PlacementOptions _placement = new(transformerDType: false);

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _tokenizer, _data, _out, _batch, _threads, _max }) command.Options.Add(o);
        _placement.AddTo(command);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        set_num_threads(parse.GetValue(_threads));
        int batchSize = parse.GetValue(_batch);
        if (batchSize <= 0) throw new UserInputException("--batch-size must be positive.");
        string stem = parse.GetValue(_out)!;
        if (stem.EndsWith(".jsonl", StringComparison.Ordinal)) stem = stem[..^".jsonl".Length];
        string full = Path.GetFullPath(stem), name = Path.GetFileName(full);
        if (RelativePath.Check(TokenShardFiles.JsonlPath(name)) is { } problem)
            throw new UserInputException($"--out: the shard's file name is refused: {problem.Message}.");
        using var tokenizer = _placement.Resolve(parse).LoadTokenizer(parse.GetValue(_tokenizer)!, batchSize);
        var dataset = await DatasetFolder.OpenAsync(parse.GetValue(_data)!, ct);
        var sentences = dataset.Sentences.Take(parse.GetValue(_max) ?? int.MaxValue).ToList();
        var output = new FolderStore(Path.GetDirectoryName(full)!);
        var datasetTokenizer = new DatasetTokenizer(tokenizer, new DatasetTokenizerOptions { ImagesPerBatch = batchSize });

        var shard = await console.WithProgressAsync($"tokenizing {sentences.Count} sentences", sentences.Count, progress =>
            datasetTokenizer.TokenizeAsync(dataset, sentences, output, name, n => progress.Advance(n), ct));
        if (console.JsonOutput)
        {
            console.WriteJson(new { sentences = shard.Sentences, jsonl = stem + ".jsonl", bin = stem + ".bin", tokens = shard.Tokens, skipped = SkipReport.Json(shard.Skipped) });
        }
        else
        {
            SkipReport.Print(console, shard.Skipped);
            console.Info($"{shard.Sentences} sentences → {stem}.jsonl (+ {stem}.bin)");
        }
        return ExitCodes.Success;
    }
}
