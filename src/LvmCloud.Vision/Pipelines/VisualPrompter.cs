using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Pipelines;

/// <summary>One visual prompt: its frames' tokens (each <c>TokensPerImage</c> long) and what to generate.</summary>
public sealed record VisualPrompt(IReadOnlyList<long[]> FrameTokens, long Seed);

/// <summary>
/// LVM's visual prompting over token frames (its <c>vqlm_demo</c> inference): keep at most
/// <c>context_frames − 1</c> prompt frames, generate as many new frames as fit in one go, then slide the window
/// (keep the last <c>context_frames − 1</c> frames) and generate one frame at a time; only image codes are sampled;
/// no end token stops generation. Prompts with the same frame count decode together in one batch, all candidates
/// of all prompts at once; candidate c of a prompt with seed s is seeded by <see cref="StableSeed.ForCandidate"/>,
/// so a row's frames do not depend on its batch-mates.
/// </summary>
public sealed class VisualPrompter(LvmModel model)
{
    private readonly GenerationEngine _engine = new(model.Transformer);

    /// <summary>Frames the prompt keeps: the last <c>context_frames − 1</c>.</summary>
    public int MaxPromptFrames => model.Settings.ContextFrames - 1;

    /// <summary>
    /// New frame tokens for every prompt: <see cref="GeneratedFrames.Frame"/>(p, c, f) is frame f of candidate c of prompt p
    /// (TokensPerImage ids). All prompts must have the same number of frames (after truncation). Cancellation is
    /// checked before every decode step.
    /// </summary>
    public GeneratedFrames Generate(IReadOnlyList<VisualPrompt> prompts, int newFrames, int candidates, Sampling sampling, IProgress<int>? tokensProgress = null, CancellationToken cancellationToken = default)
    {
        if (prompts.Count == 0) return GeneratedFrames.Empty;
        if (newFrames < 1) throw new ArgumentException("At least one new frame must be asked for.");
        if (candidates < 1) throw new ArgumentException("At least one candidate must be asked for.");
        int tpi = model.TokensPerImage;
        int context = model.Settings.ContextFrames;
        var windows = prompts.Select(p => Truncate(p.FrameTokens)).ToList();
        int frames = windows[0].Count;
        if (frames == 0) throw new ArgumentException("A visual prompt needs at least one frame.");
        if (windows.Any(w => w.Count != frames)) throw new ArgumentException("Prompts generated together must have the same number of frames.");

        // Rows are (prompt, candidate), prompt-major; each row keeps its whole frame sequence.
        int rows = prompts.Count * candidates;
        var sequences = new List<long[]>[rows];
        var rowSeeds = new long[rows];
        for (int p = 0; p < prompts.Count; p++)
            for (int c = 0; c < candidates; c++)
            {
                sequences[p * candidates + c] = new List<long[]>(windows[p]);
                rowSeeds[p * candidates + c] = StableSeed.ForCandidate(prompts[p].Seed, c);
            }

        int first = Math.Min(context - frames, newFrames);
        var firstNew = _engine.Generate(
            windows.Select(w => w.SelectMany(f => f).ToArray()).ToList(),
            Options(first * tpi, candidates, rowSeeds, sampling),
            tokensProgress, cancellationToken);
        AppendFrames(sequences, firstNew, first, tpi);

        for (int made = first; made < newFrames; made++)
        {
            var slid = sequences.Select(s => s.Skip(s.Count - (context - 1)).SelectMany(f => f).ToArray()).ToList();
            var seeds = rowSeeds.Select(s => StableSeed.Derive(s, $"frame-{made}")).ToArray();
            var next = _engine.Generate(slid, Options(tpi, 1, seeds, sampling), tokensProgress, cancellationToken);
            AppendFrames(sequences, next, 1, tpi);
        }

        // Rows are already prompt-major, then candidate; each row's new frames follow its prompt frames.
        return new GeneratedFrames(prompts.Count, candidates, newFrames, sequences.SelectMany(s => s.Skip(frames)).ToList());
    }

    /// <summary>LVM's evaluation metric: per prompt, exp of the mean NLL of the target frames' tokens given the prompt.</summary>
    public double[] Perplexity(IReadOnlyList<IReadOnlyList<long[]>> promptFrames, IReadOnlyList<IReadOnlyList<long[]>> targetFrames)
    {
        int maxTokens = model.Transformer.Config.MaxPositionEmbeddings;
        var results = new double[promptFrames.Count];
        for (int i = 0; i < promptFrames.Count; i++)
        {
            var target = targetFrames[i].SelectMany(f => f).ToArray();
            var prompt = promptFrames[i].SelectMany(f => f).ToArray();
            int room = Math.Min(prompt.Length, maxTokens - target.Length);
            int keep = room - room % model.TokensPerImage; // whole frames, the latest ones
            if (keep < model.TokensPerImage)
                throw new ArgumentException($"A target of {target.Length} tokens leaves no room for a prompt frame in a context of {maxTokens} tokens.");
            var row = prompt.Skip(prompt.Length - keep).Concat(target).ToArray();
            results[i] = Generation.Perplexity.Compute(model.Transformer, [row], keep)[0];
        }
        return results;
    }

    private List<long[]> Truncate(IReadOnlyList<long[]> frames)
    {
        foreach (var f in frames)
            if (f.Length != model.TokensPerImage)
                throw new ArgumentException($"A frame has {f.Length} tokens; this tokenizer makes {model.TokensPerImage} per image.");
        return frames.Skip(Math.Max(0, frames.Count - MaxPromptFrames)).ToList();
    }

    private GenerationOptions Options(int newTokens, int candidates, long[] seeds, Sampling sampling) =>
        new(newTokens, sampling, candidates, seeds, model.CodebookSize);

    private static void AppendFrames(List<long[]>[] sequences, Tensor generated, int frames, int tpi)
    {
        using (generated)
        {
            var all = generated.cpu().data<long>().ToArray(); // (rows, frames * tpi)
            int width = frames * tpi;
            for (int r = 0; r < sequences.Length; r++)
                for (int f = 0; f < frames; f++)
                    sequences[r].Add(all.AsSpan(r * width + f * tpi, tpi).ToArray());
        }
    }
}
