namespace LvmCloud.TrainingBench;

/// <summary>One point of a loss curve: after <paramref name="Steps"/> inner steps per trainer (the same tokens for both runs).</summary>
/// <param name="Drift">DiLoCo only: how far the round's shards moved apart relative to their averaged update (the merge's figure).</param>
/// <param name="ShardBytesRead">DiLoCo only: the bytes the round's merge read from its shards (weights, or compressed outer gradients).</param>
internal sealed record RoundPoint(int Round, int Steps, long Tokens, double TrainLoss, double? EvalLoss, double? Drift = null, long? ShardBytesRead = null);
