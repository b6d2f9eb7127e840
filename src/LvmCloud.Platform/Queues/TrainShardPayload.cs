using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Queues;

/// <summary>
/// A <c>train-shard</c> job: train shard <paramref name="Shard"/> of round <paramref name="Round"/> of a training run
/// for the run's inner steps. Everything else (weights, data, settings) is in the run's folder and state, so a
/// redelivered message finds its checkpoint by these three names alone.
/// </summary>
public sealed record TrainShardPayload(string RunId, int Round, int Shard) : IJobPayload
{
    public static string Kind => QueueNames.TrainShardKind;

    /// <summary>The job id of a shard job: one per (run, round, shard), so log lines and retries name it the same way.</summary>
    public static string JobIdFor(string runId, int round, int shard) => $"{runId}-r{round:D5}-s{shard:D3}";

    public IEnumerable<string> Validate()
    {
        if (!TrainingIds.IsValidRunId(RunId))
            yield return $"runId '{RunId}' is not a valid run id";
        if (Round < 0)
            yield return $"round {Round} is negative";
        if (Shard < 0)
            yield return $"shard {Shard} is negative";
    }

    public string Describe() => $"run {RunId}, round {Round}, shard {Shard}";

    public IEnumerable<KeyValuePair<string, object?>> SpanTags() =>
    [
        new("lvm.run_id", RunId),
        new("lvm.round", Round),
        new("lvm.shard", Shard),
    ];
}
