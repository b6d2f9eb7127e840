using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Generation;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>Greedy generation tokens/s (new tokens of all rows / wall time, prefill included) and prefill GFLOP/s.</summary>
public sealed class GenerationBench(LlamaForCausalLM model, int promptLength, int newTokens)
{
    private readonly GenerationEngine engine = new(model);

    public LlamaForCausalLM Model => model;
    private readonly GenerationEngine copyingEngine = new(model) { SharePromptCache = false };

    /// <summary><paramref name="batch"/> random prompts of <see cref="promptLength"/> image-code ids.</summary>
    public List<long[]> Prompts(int batch, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, batch)
            .Select(_ => Enumerable.Range(0, promptLength).Select(_ => (long)random.Next(GenerationOptions.DefaultAllowedVocab)).ToArray())
            .ToList();
    }

    /// <summary>Seconds to generate <c>newTokens</c> for <paramref name="batch"/> prompts, and seconds for just 1 (prefill + one pick).</summary>
    public (double Generate, double PrefillOnly) KvCacheSeconds(int batch, int repetitions)
    {
        var prompts = Prompts(batch, seed: batch);
        var options = GenerationOptions.Greedy(newTokens);
        double generate = Timing.Best(repetitions, () => { using var output = engine.Generate(prompts, options); });
        var first = GenerationOptions.Greedy(1);
        double prefillOnly = Timing.Best(repetitions, () => { using var output = engine.Generate(prompts, first); }, warmups: 0);
        return (generate, prefillOnly);
    }

    /// <summary>
    /// Seconds of <paramref name="tokens"/> new tokens for <paramref name="prompts"/> prompts × <paramref name="candidates"/>
    /// candidates (sampled at temperature 1 when there are several, greedy otherwise), best of <paramref name="repetitions"/>;
    /// <paramref name="shared"/> picks whether the candidates share their prompt's cache.
    /// </summary>
    public double Seconds(int prompts, int candidates, int tokens, bool shared, int repetitions)
    {
        var batch = Prompts(prompts, seed: prompts);
        var options = candidates > 1
            ? new GenerationOptions(tokens, new Sampling(Temperature: 1f), Candidates: candidates)
            : GenerationOptions.Greedy(tokens);
        var chosen = shared ? engine : copyingEngine;
        return Timing.Best(repetitions, () => { using var output = chosen.Generate(batch, options); });
    }

    /// <summary>Seconds of one decode step: (time of N tokens − time of 1 token) / (N − 1), each best of <paramref name="repetitions"/>.</summary>
    public double DecodeStepSeconds(int prompts, int candidates, bool shared, int repetitions) =>
        (Seconds(prompts, candidates, newTokens, shared, repetitions) - Seconds(prompts, candidates, 1, shared, repetitions)) / (newTokens - 1);

    public double FullRecomputeTokensPerSecond(int batch)
    {
        using var prompts = tensor(Prompts(batch, seed: batch).SelectMany(p => p).ToArray(), [batch, promptLength]);
        using (FullRecompute.GreedyGenerate(model, prompts, 2)) { }                         // warm-up
        double seconds = Timing.Seconds(() => { using var output = FullRecompute.GreedyGenerate(model, prompts, newTokens); });
        return batch * newTokens / seconds;
    }

    /// <summary>The engine's output equals the full-recompute baseline (both greedy), so the two loops do the same work.</summary>
    public bool KvCacheMatchesFullRecompute(int checkTokens)
    {
        var prompts = Prompts(1, seed: 99);
        using var kv = engine.Generate(prompts, GenerationOptions.Greedy(checkTokens));
        using var ids = tensor(prompts[0], [1, promptLength]);
        using var full = FullRecompute.GreedyGenerate(model, ids, checkTokens);
        return kv.data<long>().ToArray().SequenceEqual(full.data<long>().ToArray());
    }

    /// <summary>Seconds of one causal forward of (batch, promptLength) through the decoder stack and the head.</summary>
    public double PrefillSeconds(int batch, int repetitions)
    {
        using var ids = tensor(Prompts(batch, seed: 7).SelectMany(p => p).ToArray(), [batch, promptLength]);
        return Timing.Best(repetitions, () =>
        {
            using var noGrad = no_grad();
            using var logits = model.Forward(ids);                                       // (B, T, V)
        });
    }

    /// <summary>
    /// FLOPs of that forward: 2 per weight per token for every matrix (embedding lookup excluded), plus causal attention
    /// (q·kᵀ and p·v, 2·T²·D per layer per row counting only the lower triangle).
    /// </summary>
    public double PrefillFlops(int batch)
    {
        var c = model.Config;
        double matrixWeights = c.ParameterCount - (double)c.VocabSize * c.HiddenSize;    // untied head counted, embedding not
        double tokens = (double)batch * promptLength;
        double attention = batch * c.NumHiddenLayers * 2.0 * promptLength * promptLength * c.HiddenSize;
        return 2 * matrixWeights * tokens + attention;
    }
}
