using System.Diagnostics;
using LvmCloud.Core.Images;
using LvmCloud.Core.Results;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Pipelines;

/// <summary>
/// Bulk completion, the engine behind <c>lvm complete</c> and the queue worker: encodes every item's prompt frames
/// in one tokenizer batch, groups items that can decode together (same frame count, new frames, candidates and
/// sampling) into one generation batch each, decodes all new frames in one tokenizer batch, and reports
/// perplexity of targets. An item that fails (bad frame count, ...) fails alone with its reason.
/// </summary>
public sealed class CompletionPipeline(LvmModel model) : Batches.IFrameCompleter
{
    private readonly VisualPrompter _prompter = new(model);

    public LvmModel Model => model;

    public int Resolution => model.Resolution;

    public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken) =>
        Run(items, null, cancellationToken);

    /// <param name="progress">Reports each finished item (1 per item).</param>
    public IReadOnlyList<CompletionOutput> Run(IReadOnlyList<CompletionInput> items, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var outputs = new CompletionOutput?[items.Count];
        var valid = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            string? problem = Check(items[i]);
            if (problem is null) valid.Add(i);
            else { outputs[i] = Failed(items[i], problem); progress?.Report(1); }
        }
        if (valid.Count == 0) return outputs.Select(o => o!).ToList();

        using var _ = no_grad();
        // 1. Tokenize every prompt and target frame of every item at once.
        var clock = Stopwatch.StartNew();
        var frameImages = valid.SelectMany(i => items[i].Frames.Concat(items[i].Target)).Select(f => f.Pixels).ToList();
        var codes = FrameCodec.Encode(model.Tokenizer, frameImages);
        double tokenizeMs = clock.Elapsed.TotalMilliseconds / valid.Count;
        var promptTokens = new Dictionary<int, IReadOnlyList<long[]>>();
        var targetTokens = new Dictionary<int, IReadOnlyList<long[]>>();
        int next = 0;
        foreach (int i in valid)
        {
            promptTokens[i] = codes.Skip(next).Take(items[i].Frames.Count).ToList();
            next += items[i].Frames.Count;
            targetTokens[i] = codes.Skip(next).Take(items[i].Target.Count).ToList();
            next += items[i].Target.Count;
        }

        // 2. Generate, one batch per group of items that decode together, split to the rows the memory plan allows.
        var groups = valid.GroupBy(i => (
            Frames: Math.Min(items[i].Frames.Count, _prompter.MaxPromptFrames), items[i].Item.Generation));
        var newTokens = new Dictionary<int, IReadOnlyList<long[]>>(); // per item: its new frames, candidate-major
        var generateMs = new Dictionary<int, double>();
        var batches = new List<(List<int> Members, Core.Manifests.GenerationRequest Request)>();
        foreach (var group in groups)
        {
            var request = group.Key.Generation;
            int length = Math.Min(group.Key.Frames + request.NewFrames, model.Settings.ContextFrames) * model.TokensPerImage;
            int maxRows = model.Plan?.MaxRows(length) ?? int.MaxValue;
            if (request.Candidates > maxRows)
            {
                foreach (int i in group)
                {
                    outputs[i] = Failed(items[i], DoesNotFit(model.Plan!, request.Candidates, length, maxRows), Memory.MemoryPlan.ItemDoesNotFitCode);
                    progress?.Report(1);
                }
                continue;
            }
            int itemsPerBatch = Math.Max(1, maxRows / request.Candidates);
            batches.AddRange(group.Chunk(itemsPerBatch).Select(chunk => (chunk.ToList(), request)));
        }
        valid = valid.Where(i => outputs[i] is null).ToList();
        if (valid.Count == 0) return outputs.Select(o => o!).ToList();
        foreach (var (members, request) in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.Restart();
            var generated = _prompter.Generate(
                members.Select(i => new VisualPrompt(promptTokens[i], items[i].Item.Seed)).ToList(),
                request.NewFrames, request.Candidates, request.Sampling, cancellationToken: cancellationToken);
            double ms = clock.Elapsed.TotalMilliseconds / members.Count;
            for (int m = 0; m < members.Count; m++) { newTokens[members[m]] = generated.OfPrompt(m); generateMs[members[m]] = ms; }
        }

        // 3. Decode every new frame at once.
        clock.Restart();
        var allNew = valid.SelectMany(i => newTokens[i]).ToList();
        var decoded = FrameCodec.Decode(model.Tokenizer, allNew);
        double decodeMs = clock.Elapsed.TotalMilliseconds / valid.Count;

        // 4. Perplexity of targets given prompts.
        var withTarget = valid.Where(i => items[i].Target.Count > 0).ToList();
        var perplexities = withTarget.Count == 0 ? [] :
            _prompter.Perplexity(withTarget.Select(i => promptTokens[i]).ToList(), withTarget.Select(i => targetTokens[i]).ToList());

        int offset = 0;
        foreach (int i in valid)
        {
            var item = items[i].Item;
            var candidates = new List<IReadOnlyList<RgbImage>>();
            var last = items[i].Frames[^1];
            for (int c = 0; c < item.Generation.Candidates; c++)
            {
                var frames = new List<RgbImage>();
                for (int f = 0; f < item.Generation.NewFrames; f++)
                {
                    var image = decoded[offset++];
                    frames.Add(item.Sizing.ResizeOutput == ResizeOutputMode.Original && (last.SourceWidth != image.Width || last.SourceHeight != image.Height)
                        ? image.Resize(last.SourceWidth, last.SourceHeight)
                        : image);
                }
                candidates.Add(frames);
            }
            int w = withTarget.IndexOf(i);
            double total = tokenizeMs + generateMs[i] + decodeMs;
            outputs[i] = new CompletionOutput(item.Id, candidates, w >= 0 ? perplexities[w] : null,
                new ResultTimings(0, tokenizeMs, generateMs[i], decodeMs, total), item.Seed, null,
                item.Generation.Candidates * item.Generation.NewFrames * model.TokensPerImage);
            progress?.Report(1);
        }
        return outputs.Select(o => o!).ToList();
    }

    private string? Check(CompletionInput input)
    {
        if (input.Frames.Count == 0) return "the item has no prompt frames";
        foreach (var f in input.Frames.Concat(input.Target))
            if (f.Pixels.Width != model.Resolution || f.Pixels.Height != model.Resolution)
                return $"a frame is {f.Pixels.Width}x{f.Pixels.Height}; the model reads {model.Resolution}x{model.Resolution} (load images with the model's resolution)";
        if (input.Target.Count > 0 && (input.Target.Count + 1) * model.TokensPerImage > model.Transformer.Config.MaxPositionEmbeddings)
            return $"{input.Target.Count} target frames do not fit the model's context with a prompt frame";
        return null;
    }

    private static CompletionOutput Failed(CompletionInput input, string error, string? code = null) =>
        new(input.Item.Id, [], null, new ResultTimings(0, 0, 0, 0, 0), input.Item.Seed, error, 0, code);

    private static string DoesNotFit(Memory.MemoryPlan plan, int candidates, int length, int maxRows) =>
        $"The item's {candidates} candidates need {candidates} generation rows of {length} tokens " +
        $"({Memory.ByteSize.Gb(plan.BytesPerRow(length))} each), but beside the model only {maxRows} fit in the " +
        $"{(plan.Budget.FreeBytes is { } free ? Memory.ByteSize.Gb(free) : "unknown")} free ({plan.Budget.Source}); ask for fewer candidates or new frames, " +
        $"or run on a machine with more memory.";
}
