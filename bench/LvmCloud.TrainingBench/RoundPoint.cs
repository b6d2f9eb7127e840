namespace LvmCloud.TrainingBench;

/// <summary>One point of a loss curve: after <paramref name="Steps"/> inner steps per trainer (the same tokens for both runs).</summary>
internal sealed record RoundPoint(int Round, int Steps, long Tokens, double TrainLoss, double? EvalLoss);
