namespace LvmCloud.Core.Datasets;

/// <summary>
/// A sentence left out of a shard or an evaluation, with why, so a job reports it and goes on with the rest.
/// </summary>
/// <param name="SentenceId">The sentence's id (<see cref="Sentences.VisualSentence.SentenceId"/>; <c>line-{n:D5}</c> for a line that could not be read).</param>
/// <param name="LineNumber">1-based line in <c>sentences.jsonl</c>.</param>
/// <param name="Reason">Machine-readable code: a line problem (<see cref="Manifests.ManifestErrorReason"/> or a path code such as
/// <c>path-traversal</c>) or an image problem (<see cref="Images.ImageRejectReason"/>: <c>not-found</c>, <c>corrupt</c>, <c>too-large-bytes</c>, ...).</param>
/// <param name="Message">What is wrong, naming the field or the image.</param>
public sealed record SkippedSentence(string SentenceId, int LineNumber, string Reason, string Message);
