using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Worker;

/// <summary>How the worker consumes the <c>generate</c> queue.</summary>
public sealed record WorkerOptions : IValidatableObject
{
    public const string Section = "Worker";

    /// <summary>Messages processed at once by this process.</summary>
    [Range(1, 64)]
    public int Concurrency { get; init; } = 1;

    /// <summary>How long a received message stays invisible; renewed every third of it while working.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Deliveries after which a failing message moves to the -poison queue and its items fail.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>A failed message becomes visible again after this delay.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Polling backs off up to this while the queue stays empty.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest input image the worker downloads (limits are enforced again after intake).</summary>
    [Range(1, 1L << 30)]
    public long MaxInputBytes { get; init; } = 32L << 20;

    /// <summary>
    /// A local folder holding models as <c>{name}/{version}/</c> (tokenizer/, transformer/, lvm.json). A model found
    /// here is used as is; otherwise it is downloaded from the <c>models</c> container.
    /// </summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>Where models downloaded from the <c>models</c> container are kept (once per name and version).</summary>
    [Required, MinLength(1)]
    public string ModelCacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "lvm-model-cache");

    /// <summary>Where the models run: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c> or <c>cuda</c>.</summary>
    [RegularExpression("^(auto|cpu|cuda)$")]
    public string Device { get; init; } = "auto";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPollInterval < PollInterval)
            yield return new ValidationResult("Worker:MaxPollInterval must not be shorter than Worker:PollInterval.", [nameof(MaxPollInterval)]);
    }
}
