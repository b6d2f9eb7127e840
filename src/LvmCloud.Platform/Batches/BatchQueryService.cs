using Azure;
using LvmCloud.Core.Results;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Batches;

/// <summary>Read side of the HTTP API: batch list, status, the results manifest, output files.</summary>
public sealed class BatchQueryService(StorageClients clients, JobStateStore state)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const int DefaultListPageSize = 20;
    public const int MaxListPageSize = 100;

    /// <summary>
    /// Counts and progress from the batch row, plus one page of items (item-id order; <paramref name="itemState"/>
    /// keeps only items in that state). Two storage reads whatever the batch's size.
    /// </summary>
    public async Task<BatchStatus> GetStatusAsync(string batchId, CancellationToken cancellationToken, int? pageSize = null, string? continuationToken = null, string? itemState = null)
    {
        var batch = await RequireBatchAsync(batchId, cancellationToken);
        if (itemState is not null && !ItemStates.All.Contains(itemState))
            throw new BadRequestException($"Item state '{itemState}' is not one of {string.Join(", ", ItemStates.All)}.");
        var size = CheckPageSize(pageSize ?? DefaultPageSize, MaxPageSize);
        var (items, next) = await state.GetItemsPageAsync(batchId, itemState, size, EmptyToNull(continuationToken), cancellationToken);
        return BatchStatus.From(batch, items, next);
    }

    /// <summary>The batches, newest first, one page at a time.</summary>
    public async Task<BatchList> ListAsync(int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var size = CheckPageSize(pageSize ?? DefaultListPageSize, MaxListPageSize);
        var (index, next) = await state.GetBatchIndexPageAsync(size, EmptyToNull(continuationToken), cancellationToken);
        var rows = await Task.WhenAll(index.Select(i => state.GetBatchAsync(i.BatchId, cancellationToken)));
        return new BatchList(rows.OfType<BatchEntity>().Select(BatchSummary.From).ToList(), next);
    }

    /// <summary>
    /// The batch's <c>results.jsonl</c>, each output linked by <paramref name="outputUrl"/> (this API's item-file URL).
    /// </summary>
    /// <exception cref="ConflictException">The batch has not finished yet.</exception>
    public async Task<BatchResults> GetResultsAsync(string batchId, Func<string, string, Uri> outputUrl, CancellationToken cancellationToken)
    {
        var batch = await RequireBatchAsync(batchId, cancellationToken);
        if (!BatchStates.IsTerminal(batch.State))
            throw new ConflictException($"Batch {batchId} is {batch.State}; results are available once it is finished or cancelled.");
        var text = await clients.ResultFiles.TryReadAllTextAsync(StorageLayout.ResultsManifestPath(batchId), cancellationToken)
            ?? throw new ConflictException($"Batch {batchId} is {batch.State} but its results.jsonl is missing.");

        // Records name outputs relative to the batch (items/{id}/{file}); the API links each by its file name.
        ResultOutput Link(string id, string path) => new(Path.GetFileName(path), outputUrl(id, Path.GetFileName(path)));
        var items = ResultsJsonl.Read(text)
            .Select(r => new ResultItem(r.Id, r.Status.ToString().ToLowerInvariant(), r.ErrorCode, r.Error, r.Perplexity, r.Seed,
                r.Outputs.Select(path => Link(r.Id, path)).ToList(), r.Timings, r.ContactSheet is { } sheet ? Link(r.Id, sheet) : null))
            .ToList();
        return new BatchResults(batchId, batch.State, batch.FinishedAt, items);
    }

    /// <summary>Opens an output file of an item for streaming.</summary>
    public async Task<OutputFile> OpenOutputAsync(string batchId, string itemId, string fileName, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValidBatchId(batchId))
            throw new BadRequestException($"Batch id '{batchId}' is not valid.");
        if (!Identifiers.IsValidItemId(itemId))
            throw new BadRequestException($"Item id '{itemId}' is not valid.");
        if (!Identifiers.IsValidOutputFileName(fileName))
            throw new BadRequestException($"File name '{fileName}' is not valid: expected a .png or .json name without path separators.");
        try
        {
            var contentType = fileName.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "application/json";
            return OutputFile.From(await clients.ResultFiles.OpenAsync(StorageLayout.OutputPath(batchId, itemId, fileName), cancellationToken: cancellationToken), contentType);
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"Batch {batchId} item {itemId} has no output file '{fileName}'.");
        }
    }

    internal async Task<BatchEntity> RequireBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsValidBatchId(batchId))
            throw new BadRequestException($"Batch id '{batchId}' is not valid.");
        return await state.GetBatchAsync(batchId, cancellationToken)
            ?? throw new NotFoundException($"Batch {batchId} does not exist.");
    }

    private static int CheckPageSize(int size, int max) =>
        size >= 1 && size <= max ? size : throw new BadRequestException($"pageSize must be between 1 and {max}, got {size}.");

    private static string? EmptyToNull(string? token) => string.IsNullOrWhiteSpace(token) ? null : token;
}

public sealed record BatchResults(string BatchId, string State, DateTimeOffset? FinishedAt, IReadOnlyList<ResultItem> Items);

public sealed record ResultItem(string Id, string Status, string? ErrorCode, string? Error, double? Perplexity, long? Seed, IReadOnlyList<ResultOutput> Outputs, ResultTimings? Timings, ResultOutput? ContactSheet = null);

public sealed record ResultOutput(string File, Uri Url);

/// <summary>An output blob opened for reading; the caller disposes <see cref="Content"/>.</summary>
public sealed record OutputFile(Stream Content, string ContentType, string ETag, long Length, DateTimeOffset LastModified)
{
    /// <summary>An opened store file, served as <paramref name="contentType"/> with its version as the (quoted) ETag.</summary>
    public static OutputFile From(OpenedFile file, string contentType) =>
        new(file.Content, contentType, new ETag(file.Info.Version).ToString("H"), file.Info.Length, file.Info.LastModified ?? DateTimeOffset.UnixEpoch);
}
