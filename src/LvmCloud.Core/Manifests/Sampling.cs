namespace LvmCloud.Core.Manifests;

/// <summary>How new image tokens are drawn, from a manifest's <c>temperature</c>, <c>top_p</c> and <c>top_k</c> down to the sampler.</summary>
/// <param name="Temperature">Divides the logits; 0 means greedy argmax.</param>
/// <param name="TopP">Nucleus sampling: keep the smallest set of ids whose probability reaches TopP; 1 keeps all.</param>
/// <param name="TopK">Keep only the K most likely ids; 0 keeps all.</param>
public sealed record Sampling(float Temperature = 1f, float TopP = 1f, int TopK = 0)
{
    /// <summary>Argmax decoding: the most likely id every step.</summary>
    public static Sampling Greedy { get; } = new(Temperature: 0f);

    public bool IsGreedy => Temperature == 0f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public Sampling Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
            throw new ArgumentException($"Temperature must be 0 (greedy) or a positive number, got {Temperature}.");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentException($"TopP must lie in (0, 1], got {TopP}.");
        if (TopK < 0)
            throw new ArgumentException($"TopK must be 0 (off) or positive, got {TopK}.");
        return this;
    }
}
