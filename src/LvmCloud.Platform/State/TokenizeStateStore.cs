using Azure;
using Azure.Data.Tables;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.Storage;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.State;

/// <summary>
/// Retokenization state in the job-state table, one partition per (dataset, tokenizer) (<see cref="TokenizePartition"/>):
/// the watermark row, one row per run and one per chunk. Every write after creation is conditional on the ETag read;
/// a run is claimed together with the watermark in one transaction, and a chunk's end is written together with its
/// run's counts, so counts are exact and a plan is made once however many triggers race.
/// </summary>
public sealed class TokenizeStateStore(StorageClients clients, ResiliencePipelineProvider<string> pipelines)
{
    private readonly ResiliencePipeline _conflicts = pipelines.GetPipeline(PlatformResilience.StateConflict);
    private const int MaxTransactionSize = 100;
    private readonly TableClient _table = clients.JobState;

    public async Task<TokenizeWatermarkEntity?> GetWatermarkAsync(string partition, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TokenizeWatermarkEntity>(partition, TokenizeWatermarkEntity.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The pair's watermark, created empty when the pair is new.</summary>
    public async Task<TokenizeWatermarkEntity> GetOrAddWatermarkAsync(TokenizeWatermarkEntity fresh, CancellationToken cancellationToken)
    {
        if (await GetWatermarkAsync(fresh.PartitionKey, cancellationToken) is { } existing)
            return existing;
        try
        {
            var response = await _table.AddEntityAsync(fresh, cancellationToken);
            fresh.ETag = response.Headers.ETag ?? default;
            return fresh;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await GetWatermarkAsync(fresh.PartitionKey, cancellationToken)
                ?? throw new InvalidOperationException($"The watermark of {fresh.PartitionKey} vanished while it was created.");
        }
    }

    /// <summary>Every watermark of one dataset (each tokenizer it was tokenized with), or of all datasets.</summary>
    public async Task<List<TokenizeWatermarkEntity>> GetWatermarksAsync(string? dataset, CancellationToken cancellationToken)
    {
        var (from, to) = TokenizePartition.RangeOf(dataset);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {from} and PartitionKey lt {to} and RowKey eq {TokenizeWatermarkEntity.RowKeyValue}");
        var rows = new List<TokenizeWatermarkEntity>();
        await foreach (var row in _table.QueryAsync<TokenizeWatermarkEntity>(filter, cancellationToken: cancellationToken))
            rows.Add(row);
        return rows;
    }

    public async Task<TokenizeRunEntity?> GetRunAsync(string partition, string runId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TokenizeRunEntity>(partition, TokenizePartition.RunRowKey(runId), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public async Task<TokenizeChunkEntity?> GetChunkAsync(string partition, int chunk, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TokenizeChunkEntity>(partition, TokenizePartition.ChunkRowKey(chunk), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Every chunk row of the pair, by chunk (one partition query: for planning and closing a run, never per job).</summary>
    public async Task<List<TokenizeChunkEntity>> GetChunksAsync(string partition, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {TokenizePartition.ChunkRowPrefix} and RowKey lt {"chunk."}");
        var rows = new List<TokenizeChunkEntity>();
        await foreach (var row in _table.QueryAsync<TokenizeChunkEntity>(filter, cancellationToken: cancellationToken))
            rows.Add(row);
        rows.Sort((a, b) => a.Chunk.CompareTo(b.Chunk));
        return rows;
    }

    /// <summary>
    /// The plan claim: the watermark (changed to name the run, conditional on the ETag it was read with) and the new
    /// run row, in one transaction. False when another planner changed the watermark or added the run first.
    /// </summary>
    public async Task<bool> TryClaimRunAsync(TokenizeWatermarkEntity watermark, TokenizeRunEntity run, CancellationToken cancellationToken)
    {
        try
        {
            var responses = (await _table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, watermark, watermark.ETag),
                new TableTransactionAction(TableTransactionActionType.Add, run),
            ], cancellationToken)).Value;
            watermark.ETag = responses[0].Headers.ETag ?? default;
            run.ETag = responses[1].Headers.ETag ?? default;
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    /// <summary>Writes chunk rows as planned (upsert-replace, 100 to a transaction). Only the claimed run's planner writes them.</summary>
    public async Task UpsertChunksAsync(IReadOnlyList<TokenizeChunkEntity> chunks, CancellationToken cancellationToken)
    {
        foreach (var batch in chunks.Chunk(MaxTransactionSize))
        {
            var responses = (await _table.SubmitTransactionAsync(
                batch.Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, c)), cancellationToken)).Value;
            for (var i = 0; i < batch.Length; i++)
                batch[i].ETag = responses[i].Headers.ETag ?? default;
        }
    }

    public Task<bool> TryUpdateRunAsync(TokenizeRunEntity run, CancellationToken cancellationToken) => _table.TryReplaceAsync(run, cancellationToken);

    public Task<bool> TryUpdateChunkAsync(TokenizeChunkEntity chunk, CancellationToken cancellationToken) => _table.TryReplaceAsync(chunk, cancellationToken);

    public Task<bool> TryUpdateWatermarkAsync(TokenizeWatermarkEntity watermark, CancellationToken cancellationToken) => _table.TryReplaceAsync(watermark, cancellationToken);

    /// <summary>
    /// Records a chunk's end (<paramref name="chunk"/> changed to a terminal state, conditional on the ETag it was read
    /// with) and counts it on its run in the same transaction, reading the run row fresh (again when another chunk's
    /// end got there first). Null when the chunk row changed meanwhile (another delivery owns it now): nothing is
    /// written then.
    /// </summary>
    public async Task<TokenizeRunEntity?> FinishChunkAsync(TokenizeChunkEntity chunk, CancellationToken cancellationToken)
    {
        var lost = false;
        var run = await _conflicts.ExecuteAsync(async ct =>
        {
            var current = await GetRunAsync(chunk.PartitionKey, chunk.RunId, ct)
                ?? throw new InvalidOperationException($"Run {chunk.RunId} of {chunk.PartitionKey} has no row.");
            current.CountChunk(chunk.State);
            try
            {
                var responses = (await _table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, chunk, chunk.ETag),
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, current, current.ETag),
                ], ct)).Value;
                chunk.ETag = responses[0].Headers.ETag ?? default;
                current.ETag = responses[1].Headers.ETag ?? default;
                return current;
            }
            catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
            {
                if (e.FailedTransactionActionIndex is 0)
                {
                    lost = true;
                    return null;
                }
                throw new ConcurrencyConflictException($"Run {chunk.RunId} of {chunk.PartitionKey} changed while chunk {chunk.Chunk} was recorded.");
            }
        }, cancellationToken);
        return lost ? null : run;
    }

    /// <summary>Closes a run: the watermark and the run row, each conditional on the ETag it was read with, in one transaction.</summary>
    public async Task<bool> TryCloseRunAsync(TokenizeWatermarkEntity watermark, TokenizeRunEntity run, CancellationToken cancellationToken)
    {
        try
        {
            var responses = (await _table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, watermark, watermark.ETag),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, run, run.ETag),
            ], cancellationToken)).Value;
            watermark.ETag = responses[0].Headers.ETag ?? default;
            run.ETag = responses[1].Headers.ETag ?? default;
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    public async Task<TokenizerIdEntity?> GetTokenizerIdAsync(string rowKey, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TokenizerIdEntity>(TokenizePartition.TokenizerIds, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public Task PutTokenizerIdAsync(TokenizerIdEntity entity, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
}
