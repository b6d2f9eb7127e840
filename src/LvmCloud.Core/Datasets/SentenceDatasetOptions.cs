using LvmCloud.Core.Images;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Core.Datasets;

/// <summary>How a <see cref="SentenceDataset"/> reads its lines and images.</summary>
public sealed record SentenceDatasetOptions
{
    public static SentenceDatasetOptions Default { get; } = new();

    /// <summary>Limits on <c>sentences.jsonl</c> (images per sentence, line length, sentence count).</summary>
    public SentenceLimits SentenceLimits { get; init; } = SentenceLimits.Default;

    /// <summary>Limits every image is checked against before its pixels are decoded.</summary>
    public ImageLimits ImageLimits { get; init; } = ImageLimits.Default;

    /// <summary>How images become square model inputs; LVM stretches (a plain bicubic resize).</summary>
    public ResizeMode ResizeMode { get; init; } = ResizeMode.Stretch;

    /// <summary>
    /// Images read and decoded at once. Decoding is CPU work, so the default is the core count; a blob store with
    /// slow round trips gains from more.
    /// </summary>
    public int MaxParallelReads { get; init; } = Environment.ProcessorCount;
}
