using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace LvmCloud.Platform.Storage;

/// <summary>Rules for batch ids, item ids and output file names, which become blob paths and table keys.</summary>
public static partial class Identifiers
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,62}$")]
    private static partial Regex BatchIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex ItemIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex DatasetNamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\.(png|json)$")]
    private static partial Regex OutputFilePattern();

    /// <summary>A new batch id: time-ordered prefix plus 128 random bits (unguessable: the id is in every URL of the batch), lowercase (valid in blob paths and table keys).</summary>
    public static string NewBatchId(DateTimeOffset now) =>
        $"b{now:yyyyMMddHHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant()}";

    public static bool IsValidBatchId(string? batchId) => batchId is not null && BatchIdPattern().IsMatch(batchId);

    public static bool IsValidItemId(string? itemId) =>
        itemId is not null && ItemIdPattern().IsMatch(itemId) && !itemId.Contains("..", StringComparison.Ordinal);

    public static bool IsValidOutputFileName(string? fileName) =>
        fileName is not null && OutputFilePattern().IsMatch(fileName) && !fileName.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// A dataset name: the folder <c>datasets/{dataset}/</c>, part of <c>tokens/{dataset}/</c> and of table keys, so
    /// 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, no '..'.
    /// </summary>
    public static bool IsValidDatasetName(string? dataset) =>
        dataset is not null && DatasetNamePattern().IsMatch(dataset) && !dataset.Contains("..", StringComparison.Ordinal);

    /// <exception cref="ArgumentException">The name is not a valid dataset name (the HTTP API answers 400).</exception>
    public static string RequireDatasetName(string? dataset) =>
        IsValidDatasetName(dataset)
            ? dataset!
            : throw new ArgumentException($"Dataset name '{dataset}' is not valid: use 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, without '..'.", nameof(dataset));

    public static string RequireBatchId(string? batchId) =>
        IsValidBatchId(batchId)
            ? batchId!
            : throw new ArgumentException($"Batch id '{batchId}' is not valid: use 3-63 characters of a-z, 0-9 and '-', starting with a letter or digit.", nameof(batchId));
}
