using LvmCloud.Core.Datasets;
using LvmCloud.Vision.Training;

namespace LvmCloud.Vision.Evaluation;

/// <summary>What <see cref="ModelEvaluator"/> measured.</summary>
/// <param name="Tokenizer">Reconstruction PSNR and codebook usage on the held-out images; null when none could be read.</param>
/// <param name="TokenizerImages">Images the tokenizer was measured on.</param>
/// <param name="Tasks">One score per task, in ordinal order of the task name.</param>
/// <param name="Skipped">Sentences that were to be scored but had a bad image, in line order.</param>
/// <param name="RejectedImages">Images of the tokenizer measurement that could not be used.</param>
public sealed record ModelEvaluation(
    TokenizerMetrics? Tokenizer,
    int TokenizerImages,
    IReadOnlyList<TaskScore> Tasks,
    IReadOnlyList<SkippedSentence> Skipped,
    IReadOnlyList<RejectedImage> RejectedImages);
