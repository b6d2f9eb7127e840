using System.ComponentModel.DataAnnotations;

namespace LvmCloud.Platform.Configuration;

/// <summary>
/// Where storage is. Locally a connection string (Azurite, with its well-known key); in Azure the three
/// service URIs, reached with managed identity (no keys in deployed config).
/// </summary>
public sealed record StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    public string? ConnectionString { get; set; }
    public Uri? BlobServiceUri { get; init; }
    public Uri? QueueServiceUri { get; init; }
    public Uri? TableServiceUri { get; init; }

    /// <summary>Prefix for queue names, so several stacks (or test runs) can share one account.</summary>
    [RegularExpression("^[a-z0-9-]{0,20}$")]
    public string QueuePrefix { get; init; } = "";

    /// <summary>
    /// Retries of one storage call before its caller sees the failure: exponential back-off with jitter from
    /// <see cref="RetryDelay"/> up to <see cref="RetryMaxDelay"/> between tries. The defaults ride out about 40 s of
    /// storage being unreachable (an account failing over, Azurite restarting) inside every call, in the functions
    /// and the worker alike; the SDK's own default (3 tries within 6 s) does not.
    /// </summary>
    [Range(0, 20)]
    public int MaxRetries { get; init; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString))
            yield break;
        if (BlobServiceUri is null || QueueServiceUri is null || TableServiceUri is null)
            yield return new ValidationResult(
                "Storage needs either Storage:ConnectionString or all of Storage:BlobServiceUri, Storage:QueueServiceUri and Storage:TableServiceUri.",
                [nameof(ConnectionString), nameof(BlobServiceUri), nameof(QueueServiceUri), nameof(TableServiceUri)]);
    }
}
