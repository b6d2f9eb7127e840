using Azure;
using LvmCloud.Platform.State;

namespace LvmCloud.Platform.Training;

/// <summary>
/// A run's row in the job-state table: partition <see cref="PartitionFor"/> (one per run, beside the batches'),
/// row <see cref="RowKeyValue"/>. Written only with ETag conditions.
/// </summary>
public sealed class RunEntity : IStatefulEntity
{
    public const string RowKeyValue = "run";

    /// <summary>'~' cannot start a batch id, so a run's partition never mixes with a batch's.</summary>
    public static string PartitionFor(string runId) => $"~run-{runId}";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RunId { get; set; } = "";
    public string State { get; set; } = RunStates.Running;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>The round being trained (or, once finished, the number of rounds).</summary>
    public int Round { get; set; }
    public int Rounds { get; set; }
    public int ShardsPerRound { get; set; }
    public int InnerSteps { get; set; }
    public int CheckpointEvery { get; set; }
    public string Base { get; set; } = "";
    public string OutputName { get; set; } = "";
    public string OutputVersion { get; set; } = "";
    public bool CancelRequested { get; set; }
    /// <summary>Why the run failed (or what stopped it).</summary>
    public string? Reason { get; set; }
    public int Resumes { get; set; }
    public long TrainSequences { get; set; }

    public static RunEntity New(string runId, TrainingRunSpec spec, DateTimeOffset now) => new()
    {
        PartitionKey = PartitionFor(runId),
        RunId = runId,
        CreatedAt = now,
        Rounds = spec.Rounds,
        ShardsPerRound = spec.ShardsPerRound,
        InnerSteps = spec.InnerSteps,
        CheckpointEvery = spec.CheckpointInterval,
        Base = spec.Base?.ToString() ?? "",
        OutputName = spec.Output?.Name ?? "",
        OutputVersion = spec.Output?.Version ?? "",
    };
}
