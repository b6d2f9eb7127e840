namespace LvmCloud.TrainingBench;

/// <summary>One point of a loss curve: after <paramref name="Steps"/> inner steps per trainer (the same tokens for both runs).</summary>
/// <param name="ShardBytesRead">DiLoCo only: the bytes the round's merge read from its shards (weights, or compressed outer gradients).</param>
internal sealed record RoundPoint(int Round, int Steps, long Tokens, double TrainLoss, double? EvalLoss, long? ShardBytesRead = null);
