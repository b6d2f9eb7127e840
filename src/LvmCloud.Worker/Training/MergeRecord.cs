namespace LvmCloud.Worker.Training;

/// <summary>
/// <c>rounds/{r}/merge.json</c>: the commit of round r's merge, created once (If-None-Match) and stamped with the
/// claim that wrote it, after round r+1's base is in place. A claim that finds it written by another claim skips the
/// outer step and only records the round as merged.
/// </summary>
/// <param name="Drift">How far the round's shards moved apart relative to their averaged update (<see cref="Vision.Training.OuterStep.Drift"/>); null in records written before it was measured.</param>
/// <param name="ShardBytesRead">
/// Bytes the merge read from the K shards: their compressed outer gradients, or their weight files when lossless (what a
/// round moves on the wire towards the merge); null in records written before it was counted.
/// </param>
public sealed record MergeRecord(
    int Round,
    int Shards,
    double? TrainLoss,
    double? EvalLoss,
    double MergeSeconds,
    double EvalSeconds,
    string ClaimId,
    DateTimeOffset MergedAt,
    double? Drift = null,
    long? ShardBytesRead = null);
