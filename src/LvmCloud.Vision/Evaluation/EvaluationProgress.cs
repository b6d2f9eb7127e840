namespace LvmCloud.Vision.Evaluation;

/// <summary>A task finished: its name and how many sentences it covered (scored or skipped).</summary>
public sealed record EvaluationProgress(string Task, int Sentences);
