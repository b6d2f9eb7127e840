using System.ComponentModel.DataAnnotations;
using NCrontab;

namespace LvmCloud.Platform.Configuration;

/// <summary>How datasets become token shards: when the scheduled run looks, how big a chunk is, which tokenizer by default.</summary>
public sealed record TokenizeOptions : IValidatableObject
{
    public const string Section = "Tokenize";

    /// <summary>
    /// NCRONTAB schedule (six fields, seconds first, as the Functions timer trigger reads it) of the run that looks
    /// at every dataset; the timer function binds it as <c>%Tokenize:Schedule%</c>. Hourly by default: a run that
    /// finds nothing new costs one listing and one table read per dataset.
    /// </summary>
    [Required]
    public string Schedule { get; init; } = "0 0 * * * *";

    /// <summary>
    /// Lines of <c>sentences.jsonl</c> per <c>tokenize</c> job, one shard each. Changing it re-chunks every dataset
    /// (the next run redoes everything), so pick it once: large enough that per-job costs vanish, small enough that a
    /// job ends well within a visibility lease.
    /// </summary>
    [Range(1, 100_000)]
    public int ChunkSize { get; init; } = 1000;

    /// <summary>The tokenizer used unless a request names one: the VQGAN of this model (its <c>tokenizer/</c> folder).</summary>
    [Required, MinLength(1)]
    public string DefaultTokenizerName { get; init; } = "fmnist-lvm";

    /// <summary>Bumping it retokenizes every dataset into a new folder at the next run; old shards stay until deleted.</summary>
    [Required, MinLength(1)]
    public string DefaultTokenizerVersion { get; init; } = "latest";

    /// <summary>
    /// A local folder of models (as <c>Worker:ModelsDirectory</c>) where planning looks for the tokenizer before the
    /// <c>models</c> container, to name it by the hash of its files; set it where the worker's models are local only.
    /// </summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>A run still planning after this long (its planner died) is closed as abandoned by the next planner.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PlanningLease { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Images a job reads from blob storage at once while the VQGAN encodes the previous batch.</summary>
    [Range(1, 256)]
    public int ParallelReads { get; init; } = 16;

    /// <summary>Images loaded and encoded together by a job (whole sentences).</summary>
    [Range(1, 4096)]
    public int ImagesPerBatch { get; init; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ScheduleProblem(Schedule) is { } problem)
            yield return new ValidationResult($"Tokenize:Schedule: {problem}", [nameof(Schedule)]);
        if (new Queues.ModelReference(DefaultTokenizerName, DefaultTokenizerVersion).Problem() is { } reference)
            yield return new ValidationResult($"Tokenize:DefaultTokenizerName/Version: {reference}", [nameof(DefaultTokenizerName), nameof(DefaultTokenizerVersion)]);
    }

    /// <summary>The parsed schedule (six fields: second minute hour day month weekday).</summary>
    public CrontabSchedule ParsedSchedule() => CrontabSchedule.Parse(Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });

    /// <summary>Null when <paramref name="schedule"/> is a six-field NCRONTAB expression, else why not.</summary>
    public static string? ScheduleProblem(string? schedule)
    {
        if (string.IsNullOrWhiteSpace(schedule))
            return "the schedule is empty; give six NCRONTAB fields, e.g. '0 0 * * * *' (hourly).";
        return CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null
            ? $"'{schedule}' is not an NCRONTAB expression of six fields (second minute hour day month weekday), e.g. '0 0 * * * *' (hourly)."
            : null;
    }
}
