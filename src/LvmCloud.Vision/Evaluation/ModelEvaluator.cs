using LvmCloud.Core.Datasets;
using LvmCloud.Core.Images;
using LvmCloud.Core.Manifests;
using LvmCloud.Core.Sentences;
using LvmCloud.Core.Tokens;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Evaluation;

/// <summary>
/// Measures a model on held-out visual sentences, as <c>lvm eval</c> prints it: the tokenizer's reconstruction
/// PSNR and codebook usage; per task (sentence kind) the PSNR of the generated last frame against the true one,
/// beside copying the frame before it and beside the tokenizer's ceiling; and the perplexity of the last frame
/// given the others, beside a unigram baseline. Sentences are scored a task at a time, so memory holds one task's
/// images. Each image is read once (the tokenizer's images are reused for the tasks), and the work is one encode
/// of every frame, one generated frame and one perplexity pass per sentence: linear in the sentences.
/// A sentence with a bad image is skipped and reported; the rest are scored.
/// </summary>
public sealed class ModelEvaluator(LvmModel model, EvaluationOptions? options = null)
{
    private const string UnnamedTask = "sentence";
    private readonly EvaluationOptions _options = options ?? EvaluationOptions.Default;

    /// <summary>The sentences an evaluation scores: the first <see cref="EvaluationOptions.MaxSentences"/> of two or more images.</summary>
    public IReadOnlyList<VisualSentence> SentencesToScore(SentenceDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Sentences.Where(s => s.Images.Count >= 2).Take(_options.MaxSentences).ToList();
    }

    /// <param name="dataset">Held-out sentences.</param>
    /// <param name="trainingShard">The training shard, for the unigram baseline's code frequencies; null leaves it out.</param>
    /// <param name="onProgress">Called after each task.</param>
    /// <param name="cancellationToken">Stops between tasks and reads.</param>
    /// <exception cref="InvalidDataException">The dataset has no sentence of two or more images.</exception>
    public async Task<ModelEvaluation> EvaluateAsync(SentenceDataset dataset, TokenShard? trainingShard = null,
        Action<EvaluationProgress>? onProgress = null, CancellationToken cancellationToken = default)
    {
        var sentences = SentencesToScore(dataset);
        if (sentences.Count == 0) throw new InvalidDataException("The dataset has no sentence of two or more images.");
        int resolution = model.Resolution;

        // Tokenizer: reconstruction PSNR and codebook usage on the first distinct held-out images.
        var tokenizerImages = await dataset.LoadImagesAsync(dataset.DistinctImages().Take(_options.TokenizerImages).ToList(), resolution, null, cancellationToken);
        var tokenizerMetrics = tokenizerImages.Images.Count == 0 ? null
            : TokenizerTrainer.Evaluate(model.Tokenizer.Model, ImageSet.FromImages(tokenizerImages.Images), _options.TokenizerImages);
        var preloaded = new Dictionary<string, RgbImage>(StringComparer.Ordinal);
        for (int i = 0; i < tokenizerImages.Paths.Count; i++) preloaded[tokenizerImages.Paths[i]] = tokenizerImages.Images[i];

        double[]? unigram = trainingShard is null ? null : UnigramBaseline.LogProbabilities(trainingShard, model.CodebookSize);
        var scores = new List<TaskScore>();
        var skipped = new List<SkippedSentence>();
        foreach (var group in sentences.GroupBy(s => s.Kind ?? UnnamedTask).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = group.ToList();
            var loaded = await dataset.LoadSentencesAsync(rows, resolution, preloaded, cancellationToken);
            skipped.AddRange(loaded.Skipped);
            if (loaded.Loaded.Count > 0)
            {
                // A sentence's seed is its place among the task's sentences, so a skipped one does not change the others'.
                var seeds = rows.Select((s, i) => (s, i)).ToDictionary(x => x.s.LineNumber, x => (long)x.i);
                scores.Add(Score(group.Key, loaded.Loaded, loaded.Loaded.Select(s => seeds[s.Sentence.LineNumber]).ToList(), unigram));
            }
            onProgress?.Invoke(new EvaluationProgress(group.Key, rows.Count));
        }

        return new ModelEvaluation(tokenizerMetrics, tokenizerImages.Images.Count, scores, [.. skipped.OrderBy(s => s.LineNumber)], tokenizerImages.Rejected);
    }

    /// <summary>Scores one task's sentences: generate each last frame from the others, decode, compare; perplexity of the true last frame.</summary>
    private TaskScore Score(string task, IReadOnlyList<LoadedSentence> sentences, IReadOnlyList<long> seeds, double[]? unigram)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var prompter = new VisualPrompter(model);
        var frames = sentences.Select(s => s.Images).ToList();
        var tokens = frames.Select(f => FrameCodec.Encode(model.Tokenizer, f)).ToList(); // per sentence, per frame
        var prompts = tokens.Select((t, i) => new VisualPrompt(t.Take(t.Count - 1).ToList(), seeds[i])).ToList();
        var generatedFrames = new long[prompts.Count][];
        // One generation call per prompt length: the prompter batches prompts of equal length.
        foreach (var byLength in prompts.Select((p, i) => (p, i)).GroupBy(x => x.p.FrameTokens.Count))
        {
            var generated = prompter.Generate(byLength.Select(x => x.p).ToList(), 1, 1, new Sampling(_options.Temperature));
            foreach (var (x, k) in byLength.Select((x, k) => (x, k))) generatedFrames[x.i] = generated.Frame(k, 0, 0);
        }

        var decoded = FrameCodec.Decode(model.Tokenizer, generatedFrames);
        var reconstructed = FrameCodec.Decode(model.Tokenizer, tokens.Select(t => t[^1]).ToList());
        double modelPsnr = 0, copyPsnr = 0, ceiling = 0;
        for (int i = 0; i < sentences.Count; i++)
        {
            var truth = frames[i][^1];
            modelPsnr += Psnr.Of(decoded[i], truth);
            copyPsnr += Psnr.Of(frames[i][^2], truth);
            ceiling += Psnr.Of(reconstructed[i], truth);
        }

        var perplexity = prompter.Perplexity(tokens.Select(t => (IReadOnlyList<long[]>)t.Take(t.Count - 1).ToList()).ToList(),
            tokens.Select(t => (IReadOnlyList<long[]>)[t[^1]]).ToList());
        double? unigramPerplexity = unigram is null ? null : tokens.Average(t => Math.Exp(-t[^1].Average(code => unigram[code])));
        int n = sentences.Count;
        return new TaskScore(task, n, modelPsnr / n, copyPsnr / n, ceiling / n, perplexity.Average(), unigramPerplexity);
    }
}
