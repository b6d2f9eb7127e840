namespace LvmCloud.Worker.Jobs;

/// <summary>What a finished job did, in a few words for its log line (e.g. "4 succeeded, 0 failed").</summary>
public sealed record JobResult(string Summary);
