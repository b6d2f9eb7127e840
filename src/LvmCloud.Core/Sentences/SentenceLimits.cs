namespace LvmCloud.Core.Sentences;

/// <summary>Limits for <c>sentences.jsonl</c>.</summary>
/// <param name="MaxImagesPerSentence">LVM trains on 4096-token sequences: 16 images of 256 tokens.</param>
/// <param name="MaxLineBytes">Largest line in UTF-8 bytes.</param>
/// <param name="MaxSentences">Sentence lines accepted; later lines fail.</param>
public sealed record SentenceLimits(int MaxImagesPerSentence, int MaxLineBytes, int MaxSentences)
{
    /// <summary>Largest <c>sentences.jsonl</c>, in bytes, checked on the blob's declared length before it is read; a larger one is not planned.</summary>
    public long MaxFileBytes { get; init; } = 512L * 1024 * 1024;

    public static SentenceLimits Default { get; } = new(MaxImagesPerSentence: 16, MaxLineBytes: 64 * 1024, MaxSentences: 1_000_000);
}
