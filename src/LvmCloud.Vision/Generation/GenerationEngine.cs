using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Generation;

/// <summary>
/// Token-level decoding: several prompts, several candidates each, in one batch. Prompts of different lengths are
/// left-padded (padding masked out, positions counted from each prompt's first real token); the prompts are prefilled
/// once into a preallocated KV cache, and one token per row is decoded per step. With several candidates the prompt's
/// keys and values are kept once for all of them (<see cref="SharedPromptKvCache"/>); sampling draws each row's random
/// numbers from its own seed before the first step, and the tokens stay on the model's device until the end.
/// </summary>
public sealed class GenerationEngine(LlamaForCausalLM model)
{
    public LlamaForCausalLM Model { get; } = model;

    /// <summary>
    /// Keep a prompt's keys and values once for all of its candidates (default). Off, every candidate row gets its own
    /// copy of the prompt's cache (the earlier behaviour, kept as the benchmark's baseline); the tokens are the same.
    /// </summary>
    public bool SharePromptCache { get; init; } = true;

    /// <summary>
    /// New tokens only, (prompts × candidates, MaxNewTokens) int64 on the CPU, rows prompt-major.
    /// <paramref name="progress"/> hears the number of tokens generated per row so far; <paramref name="cancellationToken"/>
    /// is checked before every step (a stopping worker does not wait for a long generation to end).
    /// </summary>
    public Tensor Generate(IReadOnlyList<long[]> prompts, GenerationOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        CheckPrompts(prompts);
        options.Validate(prompts.Count);
        int promptCount = prompts.Count, candidates = options.Candidates, rows = promptCount * candidates;
        int newTokens = options.MaxNewTokens;
        int promptLength = prompts.Max(p => p.Length);
        int total = promptLength + newTokens;
        if (total > Model.Config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"The longest prompt ({promptLength} tokens) plus {newTokens} new tokens exceeds the model's context of {Model.Config.MaxPositionEmbeddings}.");

        IAttentionCache? cache = null;
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var device = Model.Device;
            var uniforms = options.Sampling.IsGreedy ? null : SamplingUniforms.Create(options, rows, newTokens, device); // (R, N)
            var (ids, keyMask, promptLengths) = LeftPad(prompts, promptLength, total, device);   // (P, L), (P, L+N), (P)
            var positions = (keyMask.narrow(1, 0, promptLength).cumsum(1) - 1).clamp_min(0);        // (P, L)

            // Prompts of one length need no padding mask: the prefill then uses the fused causal kernel and each
            // decode step attends to every cached key without building a mask (the common batch case).
            bool padded = prompts.Any(p => p.Length != promptLength);
            bool shared = candidates > 1 && SharePromptCache;
            var promptCache = Model.CreateCache(promptCount, shared ? promptLength : total);
            cache = promptCache;
            var logits = padded
                ? Prefill(ids, promptCache, positions, keyMask.narrow(1, 0, promptLength))  // (P, V)
                : Prefill(ids, promptCache, null, null);
            if (shared)
            {
                // Candidates read their prompt's keys once (SharedPromptKvCache) instead of a copy per row.
                cache = new SharedPromptKvCache(promptCache, promptLength, candidates, newTokens, padded ? keyMask.narrow(1, 0, promptLength) : null);
                logits = logits.repeat_interleave(candidates, 0);                          // (R, V)
                promptLengths = promptLengths.repeat_interleave(candidates, 0);            // (R)
            }
            else if (candidates > 1)
            {
                var source = arange(promptCount, dtype: ScalarType.Int64, device: device).repeat_interleave(candidates); // (R)
                cache = promptCache.SelectRows(source);
                promptCache.Dispose();
                logits = logits.index_select(0, source);                                   // (R, V)
                keyMask = keyMask.index_select(0, source);                                 // (R, L+N)
                promptLengths = promptLengths.index_select(0, source);                     // (R)
            }

            var output = zeros(rows, newTokens, dtype: ScalarType.Int64, device: device);  // (R, N); to the host once, at the end
            for (int step = 0; step < newTokens; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stepScope = NewDisposeScope();
                var next = Sampler.Sample(logits, options, uniforms?.select(1, step));      // (R)
                output.select(1, step).copy_(next);
                progress?.Report(step + 1);
                if (step == newTokens - 1) break;
                var input = next.unsqueeze(1);                                             // (R, 1)
                var stepPositions = (promptLengths + step).unsqueeze(1);                   // (R, 1)
                var stepLogits = shared
                    ? Model.Forward(input, cache, step, stepPositions, inputsChecked: true)  // (R, 1, V): candidate slot `step`
                    : padded
                        ? Model.Forward(input, cache, promptLength + step, stepPositions, keyMask.narrow(1, 0, promptLength + step + 1), inputsChecked: true)
                        : Model.Forward(input, cache, promptLength + step, inputsChecked: true);
                var previous = logits;
                logits = stepLogits.select(1, 0).MoveToOuterDisposeScope();                 // (R, V)
                previous.Dispose();
            }
            return output.cpu().MoveToOuterDisposeScope();
        }
        finally
        {
            cache?.Dispose();
        }
    }

    /// <summary>Runs the padded prompts (P, L) through the model into <paramref name="cache"/>; logits (P, V) of the last position.</summary>
    private Tensor Prefill(Tensor ids, IAttentionCache cache, Tensor? positions, Tensor? promptMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Model.HiddenStates(ids, cache, 0, positions, promptMask, inputsChecked: true); // (P, L, D): prompts checked
        return Model.Logits(hidden.select(1, ids.shape[1] - 1)).MoveToOuterDisposeScope(); // (P, V)
    }

    private void CheckPrompts(IReadOnlyList<long[]> prompts)
    {
        if (prompts.Count == 0) throw new ArgumentException("No prompts to continue.", nameof(prompts));
        long vocab = Model.Config.VocabSize;
        for (int i = 0; i < prompts.Count; i++)
        {
            var prompt = prompts[i] ?? throw new ArgumentException($"Prompt {i} is null.", nameof(prompts));
            if (prompt.Length == 0) throw new ArgumentException($"Prompt {i} is empty.", nameof(prompts));
            foreach (var id in prompt)
                if (id < 0 || id >= vocab)
                    throw new ArgumentOutOfRangeException(nameof(prompts), $"Prompt {i} holds token id {id}, outside the model's vocabulary [0, {vocab}).");
        }
    }

    /// <summary>Prompts right-aligned in (P, L) ids, a (P, L+N) key mask (0 on padding), and each prompt's length (P).</summary>
    private static (Tensor Ids, Tensor KeyMask, Tensor Lengths) LeftPad(IReadOnlyList<long[]> prompts, int promptLength, int total, Device device)
    {
        var ids = new long[prompts.Count * promptLength];
        var mask = new long[prompts.Count * total];
        var lengths = new long[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
        {
            int pad = promptLength - prompts[i].Length;
            prompts[i].CopyTo(ids, i * promptLength + pad);
            Array.Fill(mask, 1L, i * total + pad, total - pad);
            lengths[i] = prompts[i].Length;
        }
        return (
            tensor(ids, [prompts.Count, promptLength], device: device),
            tensor(mask, [prompts.Count, total], device: device),
            tensor(lengths, device: device));
    }
}
