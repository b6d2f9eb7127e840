using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Worker;

/// <summary>
/// How the worker consumes its queues. <see cref="Queues"/> picks the job kinds this process serves; the settings
/// below are the defaults of every queue, and <see cref="PerQueue"/> overrides them for one kind
/// (<c>Worker:PerQueue:train-shard:VisibilityTimeout</c>, say).
/// </summary>
public sealed record WorkerOptions : IValidatableObject
{
    public const string Section = "Worker";

    /// <summary>Comma-separated job kinds to serve (<c>generate,tokenize,train-shard</c>); empty serves every kind this worker has a handler for.</summary>
    public string Queues { get; init; } = "";

    /// <summary>Messages processed at once per queue by this process.</summary>
    [Range(1, 64)]
    public int Concurrency { get; init; } = 1;

    /// <summary>
    /// Messages one receive asks for, 1 to 32 (the queue's limit); each is leased and handled on its own, at once, so a
    /// loop holds up to this many and receives again as they finish. Null: each kind's own default
    /// (<see cref="DefaultReceiveBatch"/>: 8 for <c>generate</c>, whose handler gathers the messages' items into
    /// generation batches; 1, one message at a time, for the others).
    /// </summary>
    [Range(1, MaxReceiveBatch)]
    public int? ReceiveBatch { get; init; }

    /// <summary>The most messages one receive from an Azure Storage queue returns.</summary>
    public const int MaxReceiveBatch = 32;

    /// <summary>How long a received message stays invisible; renewed every third of it while working.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Deliveries after which a failing message moves to the -poison queue and its work fails.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>A failed message becomes visible again after this delay.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Polling backs off up to this while the queue stays empty (or unreachable).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per job kind: settings that differ from the defaults above.</summary>
    public Dictionary<string, QueueOverrides> PerQueue { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Largest input image the worker downloads (limits are enforced again after intake).</summary>
    [Range(1, 1L << 30)]
    public long MaxInputBytes { get; init; } = 32L << 20;

    /// <summary>
    /// A local folder holding models: <c>{name}/{version}/</c>, or <c>{name}/</c> itself for version <c>latest</c>
    /// (the layout of the bundled <c>models/fmnist-lvm</c>). A model found here is used as is; otherwise it is
    /// downloaded from the <c>models</c> container.
    /// </summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>Where models downloaded from the <c>models</c> container are kept (once per name and version).</summary>
    [Required, MinLength(1)]
    public string ModelCacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "lvm-model-cache");

    /// <summary>
    /// Where the models run: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c> or <c>cuda</c>. <c>cuda</c> on a build
    /// or machine without it stops the worker at start (<see cref="Completion.WorkerDeviceValidation"/>).
    /// </summary>
    [RegularExpression("^(auto|cpu|cuda)$")]
    public string Device { get; init; } = "auto";

    /// <summary>
    /// The transformer's weight dtype: <c>auto</c> (a checkpoint's stored fp16/bf16 on CUDA, float32 on the CPU),
    /// <c>float32</c>, <c>bfloat16</c> or <c>float16</c> (<see cref="Vision.Devices.WeightDType"/>). Training always keeps float32.
    /// </summary>
    [RegularExpression("^(auto|float32|bfloat16|float16)$")]
    public string DType { get; init; } = "auto";

    /// <summary>
    /// Memory (decimal GB) the worker's models may use, replacing what it detects (the cgroup limit or MemAvailable on the
    /// CPU; nvidia-smi's free memory on CUDA, where it is otherwise unknown without nvidia-smi). Null: detected, or
    /// <c>LVM_MEMORY_LIMIT_GB</c>. Models are planned against it before they load (<see cref="Vision.Memory.MemoryPlan"/>).
    /// </summary>
    [Range(0.001, 1_000_000)]
    public double? MemoryLimitGb { get; init; }

    /// <summary>The kinds named by <see cref="Queues"/> (empty: all).</summary>
    public IReadOnlyList<string> ServedKinds() =>
        Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    public bool Serves(string kind) => ServedKinds() is { Count: 0 } || ServedKinds().Contains(kind);

    /// <summary>The settings of one queue: its overrides over the defaults.</summary>
    public QueueSettings SettingsFor(string kind)
    {
        var o = PerQueue.GetValueOrDefault(kind);
        return new QueueSettings(
            o?.Concurrency ?? Concurrency,
            o?.VisibilityTimeout ?? VisibilityTimeout,
            o?.MaxDequeueCount ?? MaxDequeueCount,
            o?.RetryDelay ?? RetryDelay,
            o?.ReceiveBatch ?? ReceiveBatch ?? DefaultReceiveBatch(kind));
    }

    /// <summary>
    /// Messages per receive when neither <c>Worker:ReceiveBatch</c> nor <c>Worker:PerQueue:{kind}:ReceiveBatch</c> is
    /// set: 8 for <c>generate</c> (8 messages of 4 one-candidate items fill two generation batches of 16 rows), 1 otherwise.
    /// </summary>
    public static int DefaultReceiveBatch(string kind) => kind == Platform.Queues.QueueNames.GenerateKind ? 8 : 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPollInterval < PollInterval)
            yield return new ValidationResult("Worker:MaxPollInterval must not be shorter than Worker:PollInterval.", [nameof(MaxPollInterval)]);
        foreach (var (kind, o) in PerQueue)
        {
            if (o.Concurrency is < 1 or > 64)
                yield return new ValidationResult($"Worker:PerQueue:{kind}:Concurrency must be between 1 and 64.", [nameof(PerQueue)]);
            if (o.VisibilityTimeout is { } v && (v < TimeSpan.FromSeconds(1) || v > TimeSpan.FromHours(2)))
                yield return new ValidationResult($"Worker:PerQueue:{kind}:VisibilityTimeout must be between 1 second and 2 hours.", [nameof(PerQueue)]);
            if (o.MaxDequeueCount is < 1 or > 100)
                yield return new ValidationResult($"Worker:PerQueue:{kind}:MaxDequeueCount must be between 1 and 100.", [nameof(PerQueue)]);
            if (o.RetryDelay is { } r && (r < TimeSpan.Zero || r > TimeSpan.FromHours(1)))
                yield return new ValidationResult($"Worker:PerQueue:{kind}:RetryDelay must be between 0 and 1 hour.", [nameof(PerQueue)]);
            if (o.ReceiveBatch is < 1 or > MaxReceiveBatch)
                yield return new ValidationResult($"Worker:PerQueue:{kind}:ReceiveBatch must be between 1 and {MaxReceiveBatch} (messages per receive).", [nameof(PerQueue)]);
        }
    }
}
