using LvmCloud.Core.Results;

namespace LvmCloud.Cli.Commands.Platform;

// The HTTP API's JSON as the CLI reads it (camelCase). The server side is LvmCloud.Platform's
// BatchUploadGrant, BatchStatus and BatchResults; the CLI keeps its own copy of the wire contract so it
// does not depend on the platform's storage libraries.

/// <summary>Answer to <c>POST /api/batches</c>: the batch id and one write-only SAS URL per announced file.</summary>
public sealed record UploadGrant(string BatchId, DateTimeOffset ExpiresOn, IReadOnlyDictionary<string, Uri> Uploads);

/// <summary>Answer to <c>GET /api/batches/{batchId}</c>.</summary>
public sealed record BatchStatusView(
    string BatchId,
    string State,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    double Progress,
    string? Model,
    IReadOnlyList<ItemStatusView> Items,
    string? ContinuationToken = null)
{
    /// <summary>The batch ended: finished (also named completed) or cancelled; a batch in any other state still runs.</summary>
    public bool IsTerminal => State is "finished" or "completed" or "cancelled" or "failed";

    /// <summary>Items that reached succeeded, failed or cancelled.</summary>
    public int Done => Count("succeeded") + Count("failed") + Count("cancelled");

    public int Count(string state) => Counts.TryGetValue(state, out var n) ? n : 0;
}

public sealed record ItemStatusView(string Id, string State, string? Error, int Attempts, IReadOnlyList<string>? Outputs, string? ErrorCode = null);

/// <summary>Answer to <c>GET /api/batches/{batchId}/results</c>.</summary>
public sealed record BatchResultsView(string BatchId, string State, DateTimeOffset? FinishedAt, IReadOnlyList<ResultItemView> Items);

public sealed record ResultItemView(
    string Id,
    string Status,
    string? ErrorCode,
    string? Error,
    double? Perplexity,
    long? Seed,
    IReadOnlyList<ResultOutputView> Outputs,
    ResultTimings? Timings,
    ResultOutputView? ContactSheet = null);

public sealed record ResultOutputView(string File, Uri Url);

/// <summary>An RFC 9457 problem document, as the API answers errors.</summary>
public sealed record ProblemView(int? Status, string? Title, string? Detail);

/// <summary>Answer to <c>GET /api/batches</c>: a page of batches, newest first.</summary>
public sealed record BatchListView(IReadOnlyList<BatchSummaryView> Batches, string? ContinuationToken);

/// <summary>One batch of the list: state and counts, no items.</summary>
public sealed record BatchSummaryView(
    string BatchId,
    string State,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    double Progress,
    string? Model,
    string? Note = null)
{
    public int Count(string state) => Counts.TryGetValue(state, out var n) ? n : 0;
}
