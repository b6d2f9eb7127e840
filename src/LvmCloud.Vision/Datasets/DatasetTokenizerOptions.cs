namespace LvmCloud.Vision.Datasets;

/// <summary>How <see cref="DatasetTokenizer"/> batches its work.</summary>
public sealed record DatasetTokenizerOptions
{
    public static DatasetTokenizerOptions Default { get; } = new();

    /// <summary>
    /// Images loaded and encoded together (whole sentences, at least one): memory grows with it, per-call overhead
    /// shrinks. The tokenizer's own <c>MaxBatchSize</c> bounds each forward pass inside a batch.
    /// </summary>
    public int ImagesPerBatch { get; init; } = 256;
}
