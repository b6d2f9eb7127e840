using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Blob paths of a training run in the <c>training</c> container (docs/architecture.md, "Storage layout"):
/// <code>
/// {runId}/run.json                       the spec (uploading it starts the run)
/// {runId}/plan.json                      the data files the run resolved at its start, with their versions
/// {runId}/state.json                     the status after the last merge (what GET /api/training/{runId} answers)
/// {runId}/loss.png                       train and eval loss per round
/// {runId}/data/**                        an uploaded shard set
/// {runId}/rounds/{r}/base/               round r's start: model/ (config.json + weights), momentum.safetensors (r ≥ 1)
/// {runId}/rounds/{r}/shards/{k}/         checkpoint/ (resume point, then the result), result.json (the shard's commit),
///                                        delta.int8.safetensors or delta.int4.safetensors (outer.compression on: the
///                                        compressed outer gradient the merge reads, written before result.json)
/// {runId}/rounds/{r}/merge.json          the merge's commit: written once, by the claim that merged
/// </code>
/// Round 0's base is the run's base model (or the preset's seeded weights), so <c>rounds/0/base/</c> is never written.
/// </summary>
public static class TrainingLayout
{
    public const string SpecFileName = "run.json";
    public const string PlanFileName = "plan.json";
    public const string StateFileName = "state.json";
    public const string LossPlotFileName = "loss.png";
    public const string CheckpointFolder = "checkpoint/";
    public const string ShardResultFileName = "result.json";
    public const string BaseModelFolder = "model/";
    public const string MomentumFileName = "momentum.safetensors";

    /// <summary>The blob trigger's path pattern: uploading run.json starts a run.</summary>
    public const string SpecTriggerPath = StorageLayout.TrainingContainer + "/{runId}/" + SpecFileName;

    public static string RunPrefix(string runId) => $"{runId}/";

    public static string SpecPath(string runId) => $"{runId}/{SpecFileName}";

    public static string PlanPath(string runId) => $"{runId}/{PlanFileName}";

    public static string StatePath(string runId) => $"{runId}/{StateFileName}";

    public static string LossPlotPath(string runId) => $"{runId}/{LossPlotFileName}";

    public static string BasePrefix(string runId, int round) => $"{runId}/rounds/{round}/base/";

    public static string ShardPrefix(string runId, int round, int shard) => $"{runId}/rounds/{round}/shards/{shard}/";

    public static string MergeRecordPath(string runId, int round) => $"{runId}/rounds/{round}/merge.json";
}
