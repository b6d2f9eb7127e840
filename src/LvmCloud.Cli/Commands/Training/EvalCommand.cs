using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Evaluation;
using LvmCloud.Vision.Pipelines;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>
/// <c>lvm eval</c>: measures a model on held-out visual sentences: tokenizer PSNR and codebook usage; per task,
/// PSNR of the generated last frame against the true one beside the copy-the-last-frame baseline; perplexity of
/// the last frame beside a unigram-frequency baseline. The measuring is <see cref="ModelEvaluator"/>'s; this reads the
/// folder and the shard and prints the result.
/// </summary>
public sealed class EvalCommand() : LvmCommand("eval",
    "Evaluate a model on held-out sentences: tokenizer PSNR/usage, per-task PSNR vs copy baseline, perplexity vs unigram.")
{
    private readonly Option<string?> _model = new("--model") { Description = "Model folder (default: the bundled model)." };
    private readonly Option<string> _data = new("--data") { Description = "Held-out dataset folder (sentences.jsonl + images).", Required = true };
    private readonly Option<string?> _trainTokens = new("--train-tokens") { Description = "Training shard, for the unigram baseline's code frequencies." };
    private readonly Option<int> _max = new("--max-sentences") { DefaultValueFactory = _ => 500 };
    private readonly Option<float> _temperature = new("--temperature") { Description = "Sampling temperature for the generated frame (0: greedy).", DefaultValueFactory = _ => 0f };
    private readonly Option<int> _threads = new("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly PlacementOptions _placement = new(transformerDType: true);

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _model, _data, _trainTokens, _max, _temperature, _threads }) command.Options.Add(o);
        _placement.AddTo(command);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        set_num_threads(Math.Max(1, parse.GetValue(_threads)));
        using var model = LvmModel.Load(parse.GetValue(_model) ?? CompleteCommand.DefaultModelDirectory(), _placement.Resolve(parse));
        var dataset = await DatasetFolder.OpenAsync(parse.GetValue(_data)!, ct);
        var evaluator = new ModelEvaluator(model, new EvaluationOptions { MaxSentences = parse.GetValue(_max), Temperature = parse.GetValue(_temperature) });
        int sentences = evaluator.SentencesToScore(dataset).Count;
        if (sentences == 0) throw new UserInputException("The dataset has no sentence of two or more images.");
        var trainingShard = parse.GetValue(_trainTokens) is { } shardPath ? TokenShardReader.Read(shardPath) : null;

        var result = await console.WithProgressAsync("evaluating", sentences, progress =>
            evaluator.EvaluateAsync(dataset, trainingShard, p => progress.Advance(p.Sentences, p.Task), ct));

        var tokenizer = result.Tokenizer;
        if (console.JsonOutput)
        {
            console.WriteJson(new
            {
                tokenizer = tokenizer is null ? null : new { psnr = tokenizer.Psnr, codebookUsage = tokenizer.CodebookUsage, effectiveCodes = tokenizer.CodePerplexity, images = result.TokenizerImages },
                tasks = result.Tasks.Select(s => new { task = s.Task, sentences = s.Sentences, psnr = s.ModelPsnr, copyBaselinePsnr = s.CopyPsnr, gainDb = s.GainDb, tokenizerCeilingPsnr = s.CeilingPsnr, perplexity = s.Perplexity, unigramPerplexity = s.UnigramPerplexity }),
                skipped = SkipReport.Json(result.Skipped),
                rejectedImages = SkipReport.Json(result.RejectedImages),
            });
        }
        else
        {
            // A bad image usually also skips its sentence, listed in full below: one line is enough here.
            if (result.RejectedImages.Count > 0)
                console.Info($"the tokenizer was measured without {result.RejectedImages.Count} unreadable image(s) (--json lists them)");
            SkipReport.Print(console, result.Skipped);
            console.Info(tokenizer is null ? "tokenizer: no held-out image could be read"
                : $"tokenizer on {result.TokenizerImages} held-out images: PSNR {tokenizer.Psnr:F2} dB, codebook usage {tokenizer.CodebookUsage:P1} ({tokenizer.CodePerplexity:F0} effective codes)");
            console.Table("last frame given the others (held-out sentences)",
                ["task", "sentences", "model PSNR", "copy-last PSNR", "gain dB", "tokenizer ceiling", "perplexity", "unigram ppl"],
                result.Tasks.Select(s => (IReadOnlyList<string>)[s.Task, s.Sentences.ToString(), s.ModelPsnr.ToString("F2"), s.CopyPsnr.ToString("F2"),
                    s.GainDb.ToString("+0.00;-0.00"), s.CeilingPsnr.ToString("F2"), s.Perplexity.ToString("F1"), s.UnigramPerplexity?.ToString("F1") ?? "-"]));
        }
        return ExitCodes.Success;
    }
}
