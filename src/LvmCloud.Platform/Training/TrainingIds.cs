using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LvmCloud.Platform.Requests;

namespace LvmCloud.Platform.Training;

/// <summary>Run ids become blob folders (<c>training/{runId}/</c>) and table keys, so they keep the batch-id rules.</summary>
public static partial class TrainingIds
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,62}$")]
    private static partial Regex RunIdPattern();

    /// <summary>A new run id: a time-ordered prefix plus 128 random bits (unguessable), lowercase.</summary>
    public static string NewRunId(DateTimeOffset now) =>
        $"r{now:yyyyMMddHHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant()}";

    public static bool IsValidRunId(string? runId) => runId is not null && RunIdPattern().IsMatch(runId);

    public static string RequireRunId(string? runId) =>
        IsValidRunId(runId)
            ? runId!
            : throw new BadRequestException($"Run id '{runId}' is not valid: use 3-63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
}
