using Azure;
using Azure.Data.Tables;

namespace LvmCloud.Platform.Training;

/// <summary>
/// One row per training run in the run index partition, keyed newest first (inverted creation ticks), so that listing
/// the runs is one partition query plus a point read per listed run, never a scan of every run's partition.
/// </summary>
public sealed class RunIndexEntity : ITableEntity
{
    /// <summary>'~' cannot start a batch id and a run's own partition is <c>~run-{runId}</c>, so this one mixes with neither.</summary>
    public const string PartitionKeyValue = "~runs";

    public string PartitionKey { get; set; } = PartitionKeyValue;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RunId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public static string RowKeyFor(string runId, DateTimeOffset createdAt) =>
        $"{DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks:D19}-{runId}";

    public static RunIndexEntity For(RunEntity run) =>
        new() { RowKey = RowKeyFor(run.RunId, run.CreatedAt), RunId = run.RunId, CreatedAt = run.CreatedAt };
}
