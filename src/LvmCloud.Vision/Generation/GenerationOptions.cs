using LvmCloud.Core.Manifests;

namespace LvmCloud.Vision.Generation;

/// <summary>How to continue a batch of prompts.</summary>
/// <param name="MaxNewTokens">Tokens generated per row; generation never stops early (ids 1 and 2 are image codes in LVM).</param>
/// <param name="Sampling">Temperature (0 means greedy argmax), nucleus mass and top-k.</param>
/// <param name="Candidates">Continuations per prompt; output rows are prompt-major (prompt 0's candidates first).</param>
/// <param name="Seeds">One seed per output row (prompts × candidates, prompt-major); null seeds row r with r.</param>
/// <param name="AllowedVocab">Only ids below this are ever produced: the tokenizer's codebook size (8192 for LVM's VQGAN).
/// A model vocabulary smaller than this allows every id.</param>
public sealed record GenerationOptions(
    int MaxNewTokens,
    Sampling Sampling,
    int Candidates = 1,
    IReadOnlyList<long>? Seeds = null,
    int AllowedVocab = GenerationOptions.DefaultAllowedVocab)
{
    /// <summary>LVM's VQGAN codebook: ids 8192.. are special tokens that are never image codes.</summary>
    public const int DefaultAllowedVocab = 8192;

    public static GenerationOptions Greedy(int maxNewTokens, int allowedVocab = DefaultAllowedVocab) =>
        new(maxNewTokens, Sampling.Greedy, AllowedVocab: allowedVocab);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public GenerationOptions Validate(int prompts)
    {
        if (MaxNewTokens <= 0)
            throw new ArgumentException($"MaxNewTokens must be positive, got {MaxNewTokens}.");
        if (Sampling is null)
            throw new ArgumentException("Sampling must be given.");
        Sampling.Validate();
        if (Candidates <= 0)
            throw new ArgumentException($"Candidates must be positive, got {Candidates}.");
        if (AllowedVocab <= 0)
            throw new ArgumentException($"AllowedVocab must be positive, got {AllowedVocab}.");
        if (Seeds is not null && Seeds.Count != prompts * Candidates)
            throw new ArgumentException(
                $"Seeds must hold one seed per output row: {prompts} prompts × {Candidates} candidates = {prompts * Candidates}, got {Seeds.Count}.");
        return this;
    }

    /// <summary>The seed of output row <paramref name="row"/>.</summary>
    public long SeedOf(int row) => Seeds is null ? row : Seeds[row];
}
