namespace LvmCloud.Worker.Training;

/// <summary>
/// <c>rounds/{r}/merge.json</c>: the commit of round r's merge, created once (If-None-Match) and stamped with the
/// claim that wrote it, after round r+1's base is in place. A claim that finds it written by another claim skips the
/// outer step and only records the round as merged.
/// </summary>
public sealed record MergeRecord(
    int Round,
    int Shards,
    double? TrainLoss,
    double? EvalLoss,
    double MergeSeconds,
    double EvalSeconds,
    string ClaimId,
    DateTimeOffset MergedAt);
