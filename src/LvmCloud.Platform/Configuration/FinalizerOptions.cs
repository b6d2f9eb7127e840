using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Platform.Configuration;

/// <summary>How a batch is closed once its last item is done (see <see cref="Batches.BatchFinalizer"/>).</summary>
public sealed record FinalizerOptions
{
    public const string Section = "Finalizer";

    /// <summary>
    /// A <c>finalizing</c> claim older than this (its claimer died or stalled) is taken over by the next caller.
    /// Finalization is a few storage calls, so tens of seconds is plenty.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tries of the finalization steps (results, status, batch row) within one claim before it is released.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Pause between those tries.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);
}
