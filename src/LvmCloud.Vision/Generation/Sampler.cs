using static TorchSharp.torch;

namespace LvmCloud.Vision.Generation;

/// <summary>
/// Picks the next token of every row from its logits, on the logits' device. A sampled row inverts its cumulative
/// distribution at its own uniform draw (<see cref="SamplingUniforms"/>), so its pick depends only on its own logits
/// and seed, and no (rows, vocab) probabilities travel to the host.
/// </summary>
public static class Sampler
{
    /// <summary>
    /// Next ids (R) int64 on the logits' device from float logits (R, V); <paramref name="uniforms"/> (R) in [0, 1) on that
    /// device holds each row's draw for this step (unused, and may be null, when sampling is greedy).
    /// </summary>
    public static Tensor Sample(Tensor logits, GenerationOptions options, Tensor? uniforms)
    {
        if (logits.dim() != 2) throw new ArgumentException($"logits must be (rows, vocab), got [{string.Join(", ", logits.shape)}].", nameof(logits));
        using var scope = NewDisposeScope();
        var allowed = RestrictVocabulary(logits.to(ScalarType.Float32), options.AllowedVocab);
        if (options.Sampling.IsGreedy)
            return allowed.argmax(-1).MoveToOuterDisposeScope();

        if (uniforms is null || uniforms.dim() != 1 || uniforms.shape[0] != logits.shape[0])
            throw new ArgumentException($"Need one uniform draw per row: {logits.shape[0]} rows, got {(uniforms is null ? "none" : $"[{string.Join(", ", uniforms.shape)}]")}.", nameof(uniforms));
        var filtered = TopP(TopK(allowed / options.Sampling.Temperature, options.Sampling.TopK), options.Sampling.TopP);
        return InverseCdf(filtered.softmax(-1), uniforms).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per row, the first id whose cumulative probability exceeds u · total (R): an id of probability 0 is never picked,
    /// and a draw that rounding puts past the end picks the last id of positive probability.
    /// </summary>
    public static Tensor InverseCdf(Tensor probs, Tensor uniforms)
    {
        using var scope = NewDisposeScope();
        var cdf = probs.cumsum(-1);                                                     // (R, V), non-decreasing
        var total = cdf.narrow(-1, cdf.shape[^1] - 1, 1);                               // (R, 1)
        var target = uniforms.to(cdf.dtype, cdf.device).unsqueeze(1) * total;           // (R, 1)
        var picked = searchsorted(cdf, target, right: true).squeeze(1);                 // (R): first cdf > target
        var lastPositive = cdf.argmax(-1);                                              // first id where the cdf reaches its total
        return picked.minimum(lastPositive).MoveToOuterDisposeScope();
    }

    /// <summary>Sets the logits of ids ≥ <paramref name="allowedVocab"/> to −∞ (a no-op when the vocabulary is smaller).</summary>
    public static Tensor RestrictVocabulary(Tensor logits, int allowedVocab)
    {
        if (allowedVocab <= 0) throw new ArgumentOutOfRangeException(nameof(allowedVocab), allowedVocab, "allowedVocab must be positive.");
        long vocab = logits.shape[^1];
        if (allowedVocab >= vocab) return logits.alias();
        using var scope = NewDisposeScope();
        var ids = arange(vocab, device: logits.device);
        return logits.masked_fill(ids.ge(allowedVocab), double.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Keeps the <paramref name="k"/> largest logits of each row (ties with the k-th kept); 0 keeps all.</summary>
    public static Tensor TopK(Tensor logits, int k)
    {
        if (k <= 0 || k >= logits.shape[^1]) return logits.alias();
        using var scope = NewDisposeScope();
        var kth = logits.topk(k, -1).values.narrow(-1, k - 1, 1);                     // (R, 1)
        return logits.masked_fill(logits.lt(kth), double.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Nucleus filter: keeps, per row, the most likely ids until their probability reaches <paramref name="p"/>
    /// (always at least the most likely one); 1 keeps all.
    /// </summary>
    public static Tensor TopP(Tensor logits, float p)
    {
        if (p >= 1f) return logits.alias();
        using var scope = NewDisposeScope();
        var (sorted, order) = logits.sort(-1, descending: true);                       // (R, V)
        var probs = sorted.softmax(-1);
        var before = probs.cumsum(-1) - probs;                                          // mass of the more likely ids
        var dropSorted = before.gt(p);
        var drop = zeros_like(dropSorted).scatter(-1, order, dropSorted);              // back to vocabulary order
        return logits.masked_fill(drop, double.NegativeInfinity).MoveToOuterDisposeScope();
    }
}
