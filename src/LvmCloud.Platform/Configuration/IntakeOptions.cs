using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Platform.Configuration;

/// <summary>How manifests become queued work, and how long issued SAS URLs live.</summary>
public sealed record IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>Items per <c>generate</c> message: the worker runs them as one generation batch.</summary>
    [Range(1, 256)]
    public int ItemsPerMessage { get; init; } = 4;

    /// <summary>
    /// The model a batch uses unless it names one: the bundled <c>fmnist-lvm</c> (a worker finds it as
    /// <c>models/fmnist-lvm/</c> locally, or as <c>fmnist-lvm/latest/</c> in the <c>models</c> container).
    /// </summary>
    [Required, MinLength(1)]
    public string DefaultModelName { get; init; } = "fmnist-lvm";

    [Required, MinLength(1)]
    public string DefaultModelVersion { get; init; } = "latest";

    [Range(1, 1_000_000)]
    public int MaxFilesPerUpload { get; init; } = 10_000;

    [Range(typeof(TimeSpan), "00:01:00", "06:00:00")]
    public TimeSpan UploadSasLifetime { get; init; } = TimeSpan.FromMinutes(30);

    [Range(typeof(TimeSpan), "00:01:00", "06:00:00")]
    public TimeSpan ReadSasLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A batch stuck in <c>planning</c> this long (a crashed intake) may be planned again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PlanningLease { get; init; } = TimeSpan.FromMinutes(5);
}
