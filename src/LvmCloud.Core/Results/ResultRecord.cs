namespace LvmCloud.Core.Results;

/// <summary>
/// One line of <c>results.jsonl</c> (and an item's <c>result.json</c>).
/// JSON names are snake_case: <c>id</c>, <c>status</c>, <c>error_code</c>, <c>error</c>,
/// <c>outputs</c>, <c>contact_sheet</c>, <c>timings</c> (<c>load_ms</c>, <c>tokenize_ms</c>,
/// <c>generate_ms</c>, <c>decode_ms</c>, <c>total_ms</c>), <c>seed</c>, <c>perplexity</c>.
/// </summary>
/// <param name="Id">The item id (for a manifest line that could not be read: <c>line-{n:D5}</c>).</param>
/// <param name="Status">Outcome.</param>
/// <param name="ErrorCode">Machine-readable reason when not succeeded (e.g. <c>too-many-pixels</c>, <c>unknown-field</c>).</param>
/// <param name="Error">Human-readable reason when not succeeded.</param>
/// <param name="Outputs">Relative paths of written images, candidate-major: candidate 0's frames, then candidate 1's...</param>
/// <param name="ContactSheet">Relative path of the contact sheet, if one was written.</param>
/// <param name="Timings">Stage timings, if the item ran.</param>
/// <param name="Seed">The item seed used.</param>
/// <param name="Perplexity">Perplexity of the item's targets given its prompt, if it has targets.</param>
public sealed record ResultRecord(
    string Id,
    ResultStatus Status,
    string? ErrorCode,
    string? Error,
    IReadOnlyList<string> Outputs,
    string? ContactSheet,
    ResultTimings? Timings,
    long? Seed,
    double? Perplexity)
{
    public static ResultRecord Failed(string id, string errorCode, string error, long? seed = null) =>
        new(id, ResultStatus.Failed, errorCode, error, [], null, null, seed, null);
}
