namespace LvmCloud.Vision.Evaluation;

/// <summary>What <see cref="ModelEvaluator"/> measures on.</summary>
public sealed record EvaluationOptions
{
    public static EvaluationOptions Default { get; } = new();

    /// <summary>The first this many sentences of two or more images are scored (the last frame given the others).</summary>
    public int MaxSentences { get; init; } = 500;

    /// <summary>The first this many distinct images of the dataset measure the tokenizer.</summary>
    public int TokenizerImages { get; init; } = 512;

    /// <summary>Sampling temperature of the generated last frame; 0 is greedy, so the score does not depend on a seed.</summary>
    public float Temperature { get; init; }
}
