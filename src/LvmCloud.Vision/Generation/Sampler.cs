using static TorchSharp.torch;

namespace LvmCloud.Vision.Generation;

/// <summary>
/// Picks the next token of every row from its logits. Sampling runs on the CPU with one seeded generator per row,
/// so a row's draw depends only on its own logits and seed (not on its batch-mates, nor on the device).
/// </summary>
public static class Sampler
{
    /// <summary>Next ids (R) int64 on the CPU from float logits (R, V).</summary>
    public static Tensor Sample(Tensor logits, GenerationOptions options, IReadOnlyList<Generator> generators)
    {
        if (logits.dim() != 2) throw new ArgumentException($"logits must be (rows, vocab), got [{string.Join(", ", logits.shape)}].", nameof(logits));
        using var scope = NewDisposeScope();
        var allowed = RestrictVocabulary(logits.to(ScalarType.Float32), options.AllowedVocab);
        if (options.Sampling.IsGreedy)
            return allowed.argmax(-1).cpu().MoveToOuterDisposeScope();

        if (generators.Count != logits.shape[0])
            throw new ArgumentException($"Need one generator per row: {logits.shape[0]} rows, {generators.Count} generators.", nameof(generators));
        var filtered = TopP(TopK(allowed / options.Sampling.Temperature, options.Sampling.TopK), options.Sampling.TopP);
        var probs = filtered.softmax(-1).cpu();                                        // (R, V)
        var picks = new Tensor[generators.Count];
        for (int r = 0; r < picks.Length; r++)
            picks[r] = multinomial(probs[r], 1, false, generators[r]);                  // (1)
        return cat(picks, 0).MoveToOuterDisposeScope();                                 // (R)
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
