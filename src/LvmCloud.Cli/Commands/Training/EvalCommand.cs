using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>
/// <c>lvm eval</c>: measures a model on held-out visual sentences: tokenizer PSNR and codebook usage; per task,
/// PSNR of the generated last frame against the true one beside the copy-the-last-frame baseline; perplexity of
/// the last frame beside a unigram-frequency baseline.
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

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _model, _data, _trainTokens, _max, _temperature, _threads }) command.Options.Add(o);
    }

    private sealed record TaskScore(string Task, int Sentences, double ModelPsnr, double CopyPsnr, double CeilingPsnr, double Perplexity, double? UnigramPerplexity);

    protected override async Task<int> ExecuteAsync(ParseResult parse, IConsoleInteraction console, CancellationToken ct)
    {
        set_num_threads(Math.Max(1, parse.GetValue(_threads)));
        using var model = LvmModel.Load(parse.GetValue(_model) ?? CompleteCommand.DefaultModelDirectory());
        var dataset = SentenceDataset.Open(parse.GetValue(_data)!);
        var sentences = dataset.Sentences.Where(s => s.Images.Count >= 2).Take(parse.GetValue(_max)).ToList();
        if (sentences.Count == 0) throw new UserInputException("The dataset has no sentence of two or more images.");
        int res = model.Resolution;

        // Tokenizer: reconstruction PSNR and codebook usage on the distinct held-out images.
        var distinct = dataset.DistinctImages().Take(512).ToList();
        var tokenizerImages = dataset.LoadImages(distinct, res);
        var tokenizerMetrics = TokenizerTrainer.Evaluate(model.Tokenizer.Model, new ImageSet(SentenceDataset.ToBytes(tokenizerImages), tokenizerImages.Length, res, res), 512);

        double[]? unigram = parse.GetValue(_trainTokens) is { } shardPath ? UnigramLogProbabilities(shardPath, model.CodebookSize) : null;
        var prompter = new VisualPrompter(model);
        var sampling = new Sampling(parse.GetValue(_temperature));
        var scores = new List<TaskScore>();
        var groups = sentences.GroupBy(TaskName).OrderBy(g => g.Key).ToList();
        await console.WithProgressAsync("evaluating", sentences.Count, progress =>
        {
            foreach (var group in groups)
            {
                var rows = group.ToList();
                var frames = rows.Select(s => dataset.LoadImages(s.Images, res)).ToList();
                var tokens = frames.Select(f => FrameCodec.Encode(model.Tokenizer, f)).ToList(); // per sentence, per frame
                var prompts = tokens.Select((t, i) => new VisualPrompt(t.Take(t.Count - 1).ToList(), Seed: i)).ToList();
                double modelPsnr = 0, copyPsnr = 0, ceiling = 0;
                var generatedFrames = new List<long[]>();
                foreach (var byLength in prompts.Select((p, i) => (p, i)).GroupBy(x => x.p.FrameTokens.Count))
                {
                    var generated = prompter.Generate(byLength.Select(x => x.p).ToList(), 1, 1, sampling);
                    foreach (var (x, k) in byLength.Select((x, k) => (x, k))) { while (generatedFrames.Count <= x.i) generatedFrames.Add([]); generatedFrames[x.i] = generated.Frame(k, 0, 0); }
                }
                var decoded = FrameCodec.Decode(model.Tokenizer, generatedFrames);
                var reconstructed = FrameCodec.Decode(model.Tokenizer, tokens.Select(t => t[^1]).ToList());
                for (int i = 0; i < rows.Count; i++)
                {
                    var truth = frames[i][^1];
                    modelPsnr += Psnr(decoded[i], truth);
                    copyPsnr += Psnr(frames[i][^2], truth);
                    ceiling += Psnr(reconstructed[i], truth);
                }
                var ppl = prompter.Perplexity(tokens.Select(t => (IReadOnlyList<long[]>)t.Take(t.Count - 1).ToList()).ToList(),
                    tokens.Select(t => (IReadOnlyList<long[]>)[t[^1]]).ToList());
                double? unigramPpl = unigram is null ? null : tokens.Average(t => Math.Exp(-t[^1].Average(code => unigram[code])));
                scores.Add(new TaskScore(group.Key, rows.Count, modelPsnr / rows.Count, copyPsnr / rows.Count, ceiling / rows.Count, ppl.Average(), unigramPpl));
                progress.Advance(rows.Count, group.Key);
            }
            return Task.FromResult(0);
        });

        if (console.JsonOutput)
        {
            console.WriteJson(new
            {
                tokenizer = new { psnr = tokenizerMetrics.Psnr, codebook_usage = tokenizerMetrics.CodebookUsage, effective_codes = tokenizerMetrics.CodePerplexity, images = tokenizerImages.Length },
                tasks = scores.Select(s => new { task = s.Task, sentences = s.Sentences, psnr = s.ModelPsnr, copy_baseline_psnr = s.CopyPsnr, gain_db = s.ModelPsnr - s.CopyPsnr, tokenizer_ceiling_psnr = s.CeilingPsnr, perplexity = s.Perplexity, unigram_perplexity = s.UnigramPerplexity }),
            });
        }
        else
        {
            console.Info($"tokenizer on {tokenizerImages.Length} held-out images: PSNR {tokenizerMetrics.Psnr:F2} dB, codebook usage {tokenizerMetrics.CodebookUsage:P1} ({tokenizerMetrics.CodePerplexity:F0} effective codes)");
            console.Table("last frame given the others (held-out sentences)",
                ["task", "sentences", "model PSNR", "copy-last PSNR", "gain dB", "tokenizer ceiling", "perplexity", "unigram ppl"],
                scores.Select(s => (IReadOnlyList<string>)[s.Task, s.Sentences.ToString(), s.ModelPsnr.ToString("F2"), s.CopyPsnr.ToString("F2"),
                    (s.ModelPsnr - s.CopyPsnr).ToString("+0.00;-0.00"), s.CeilingPsnr.ToString("F2"), s.Perplexity.ToString("F1"), s.UnigramPerplexity?.ToString("F1") ?? "-"]));
        }
        return ExitCodes.Success;
    }

    private static string TaskName(Core.Sentences.VisualSentence s) => s.Kind ?? "sentence";

    private static double Psnr(RgbImage a, RgbImage b)
    {
        double mse = 0;
        for (int i = 0; i < a.Data.Length; i++) { double d = a.Data[i] - b.Data[i]; mse += d * d; }
        mse /= a.Data.Length;
        return 10 * Math.Log10(1 / Math.Max(mse, 1e-10));
    }

    /// <summary>log p(code) from code frequencies in a training shard (add-one smoothed).</summary>
    private static double[] UnigramLogProbabilities(string shardPath, int codes)
    {
        var shard = TokenShardReader.Read(shardPath);
        var counts = new double[codes];
        foreach (int t in shard.Tokens) if (t < codes) counts[t]++;
        double total = counts.Sum() + codes;
        return counts.Select(c => Math.Log((c + 1) / total)).ToArray();
    }
}
