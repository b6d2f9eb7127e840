namespace LvmCloud.Platform.Datasets;

/// <summary>
/// A non-blank line of <c>sentences.jsonl</c> as bytes: its 1-based line number and where it is in the file
/// (<see cref="Length"/> counts its line break), so a chunk of lines is one byte range that a job reads alone.
/// </summary>
public readonly record struct SentenceLine(int LineNumber, long Offset, int Length);
