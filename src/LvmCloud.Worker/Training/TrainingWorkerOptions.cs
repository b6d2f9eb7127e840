using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Worker.Training;

/// <summary>How the worker runs <c>train-shard</c> jobs and merges (section <c>Training</c>, validated at start).</summary>
public sealed record TrainingWorkerOptions
{
    public const string Section = "Training";

    /// <summary>How often a training shard job writes its step and loss to its state row (also its heartbeat); checkpoints always write.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A shard row owned by another queue message whose heartbeat is younger than this belongs to a live delivery: a
    /// duplicate message for it is dropped. Older, the owner is taken to be dead and the shard is taken over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan OwnerLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A merge claim older than this (its claimer died) is taken over by the next delivery that looks.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan MergeClaimLease { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// When the worker stops mid-job, the shard's current step is checkpointed before the message is handed back, if
    /// the save finishes within this. Keep it under the host's shutdown timeout (and the platform's grace period).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:30:00")]
    public TimeSpan StopCheckpointTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Where token shards read by training are kept (once per file version).</summary>
    [Required, MinLength(1)]
    public string DataCacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "lvm-training-data");

    /// <summary>libtorch's intra-op threads for this process (0: libtorch's default, one per core). Keep it the same across a run's resumes: it changes the low bits of reductions.</summary>
    [Range(0, 1024)]
    public int TorchThreads { get; init; }
}
