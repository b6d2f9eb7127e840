using Azure;
using Azure.Data.Tables;
using LvmCloud.Platform.Resilience;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using Polly;
using Polly.Registry;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Training runs in the job-state table: one partition per run (row <c>run</c>, a <c>round-{r}</c> row per round, a
/// <c>shard-{r}-{k}</c> row per shard job). Every update is conditional on the ETag the caller read. A shard's move
/// into or out of a finished state is one entity-group transaction with its round row's counts, so the counts are
/// exact under racing deliveries and "are all K in?" is one read.
/// </summary>
public sealed class TrainingStateStore(StorageClients clients, ResiliencePipelineProvider<string> pipelines)
{
    private const int MaxTransactionSize = 100;
    private readonly ResiliencePipeline _conflicts = pipelines.GetPipeline(PlatformResilience.StateConflict);
    private readonly TableClient _table = clients.JobState;

    public Task<RunEntity?> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        GetAsync<RunEntity>(RunEntity.PartitionFor(runId), RunEntity.RowKeyValue, cancellationToken);

    public Task<RoundEntity?> GetRoundAsync(string runId, int round, CancellationToken cancellationToken) =>
        GetAsync<RoundEntity>(RunEntity.PartitionFor(runId), RoundEntity.RowKeyFor(round), cancellationToken);

    public Task<ShardEntity?> GetShardAsync(string runId, int round, int shard, CancellationToken cancellationToken) =>
        GetAsync<ShardEntity>(RunEntity.PartitionFor(runId), ShardEntity.RowKeyFor(round, shard), cancellationToken);

    /// <summary>Every round row of the run, in round order (one query; R rows).</summary>
    public Task<List<RoundEntity>> GetRoundsAsync(string runId, CancellationToken cancellationToken) =>
        QueryAsync<RoundEntity>(runId, RoundEntity.RowKeyPrefix, cancellationToken);

    /// <summary>The shard rows of one round, in shard order (one query; K rows).</summary>
    public Task<List<ShardEntity>> GetShardsAsync(string runId, int round, CancellationToken cancellationToken) =>
        QueryAsync<ShardEntity>(runId, ShardEntity.RoundPrefix(round), cancellationToken);

    /// <summary>
    /// Adds the run row and then its index row (<see cref="RunIndexEntity"/>); false when the run exists already. The
    /// index row is written again in that case too, so a start that died between the two writes is listed once retried.
    /// </summary>
    public async Task<bool> TryAddRunAsync(RunEntity run, CancellationToken cancellationToken)
    {
        var added = await TryAddAsync(run, cancellationToken);
        var indexed = added ? run : await GetRunAsync(run.RunId, cancellationToken);
        if (indexed is not null)
            await _table.UpsertEntityAsync(RunIndexEntity.For(indexed), TableUpdateMode.Replace, cancellationToken);
        return added;
    }

    /// <summary>One page of the run index, newest first (one partition query of at most <paramref name="pageSize"/> rows).</summary>
    public async Task<(List<RunIndexEntity> Runs, string? ContinuationToken)> GetRunIndexPageAsync(
        int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunIndexEntity.PartitionKeyValue}");
        var pages = _table.QueryAsync<RunIndexEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken)
            .AsPages(continuationToken, pageSize);
        await foreach (var page in pages)
            return (page.Values.ToList(), page.ContinuationToken);
        return ([], null);
    }

    /// <summary>Adds a row; false when it exists already (the entity then keeps no ETag).</summary>
    public async Task<bool> TryAddAsync<T>(T entity, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        try
        {
            var response = await _table.AddEntityAsync(entity, cancellationToken);
            entity.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Replaces a row if nobody changed it since it was read; the entity's ETag is refreshed on success.</summary>
    public Task<bool> TryUpdateAsync<T>(T entity, CancellationToken cancellationToken) where T : class, ITableEntity =>
        _table.TryReplaceAsync(entity, cancellationToken);

    /// <summary>
    /// Reads the row, applies <paramref name="change"/> and writes it back conditionally, again on a fresh read when
    /// another writer got there first. <paramref name="change"/> returns false to leave the row as it is.
    /// </summary>
    public async Task<T?> UpdateAsync<T>(Func<CancellationToken, Task<T?>> read, Func<T, bool> change, CancellationToken cancellationToken) where T : class, ITableEntity =>
        await _conflicts.ExecuteAsync(async ct =>
        {
            var current = await read(ct);
            if (current is null || !change(current))
                return current;
            if (!await TryUpdateAsync(current, ct))
                throw new ConcurrencyConflictException($"Row {current.PartitionKey}/{current.RowKey} changed while it was updated.");
            return current;
        }, cancellationToken);

    public Task<RunEntity?> UpdateRunAsync(string runId, Func<RunEntity, bool> change, CancellationToken cancellationToken) =>
        UpdateAsync(ct => GetRunAsync(runId, ct), change, cancellationToken);

    public Task<RoundEntity?> UpdateRoundAsync(string runId, int round, Func<RoundEntity, bool> change, CancellationToken cancellationToken) =>
        UpdateAsync(ct => GetRoundAsync(runId, round, ct), change, cancellationToken);

    /// <summary>Adds the round's shard rows that do not exist yet (queued), in transactions of up to 100; returns all of them.</summary>
    public async Task<List<ShardEntity>> EnsureShardsAsync(string runId, int round, int shards, int innerSteps, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var existing = await GetShardsAsync(runId, round, cancellationToken);
        var missing = Enumerable.Range(0, shards).Where(k => existing.All(s => s.Shard != k))
            .Select(k => ShardEntity.New(runId, round, k, innerSteps, now)).ToList();
        foreach (var chunk in missing.Chunk(MaxTransactionSize))
        {
            try
            {
                await _table.SubmitTransactionAsync(chunk.Select(s => new TableTransactionAction(TableTransactionActionType.Add, s)), cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // Another caller added some meanwhile: add the rest one by one.
                foreach (var shard in chunk)
                    await TryAddAsync(shard, cancellationToken);
            }
        }
        return missing.Count == 0 ? existing : await GetShardsAsync(runId, round, cancellationToken);
    }

    /// <summary>
    /// Moves a shard row to a new state together with its round row's counts, in one entity-group transaction: the
    /// shard row is read fresh and handed to <paramref name="change"/> (which sets the new state and fields, or returns
    /// false to leave it), then both rows are written conditionally on their ETags; when either changed meanwhile the
    /// whole step is retried on fresh reads. <paramref name="alsoOnRound"/> adds to the round row in the same write.
    /// Returns the shard as written (null when <paramref name="change"/> declined) and the round row.
    /// </summary>
    public async Task<(ShardEntity? Shard, RoundEntity Round)> TransitionShardAsync(string runId, int round, int shard, Func<ShardEntity, bool> change,
        CancellationToken cancellationToken, Action<RoundEntity>? alsoOnRound = null) =>
        await _conflicts.ExecuteAsync<(ShardEntity?, RoundEntity)>(async ct =>
        {
            var roundRow = await GetRoundAsync(runId, round, ct) ?? throw new InvalidOperationException($"Run {runId} has no row for round {round}.");
            var row = await GetShardAsync(runId, round, shard, ct) ?? throw new InvalidOperationException($"Run {runId} has no row for shard {shard} of round {round}.");
            var from = row.State;
            if (!change(row))
                return (null, roundRow);
            roundRow.MoveCount(from, row.State);
            alsoOnRound?.Invoke(roundRow);
            var actions = new[]
            {
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, roundRow, roundRow.ETag),
            };
            try
            {
                var responses = (await _table.SubmitTransactionAsync(actions, ct)).Value;
                row.ETag = responses[0].Headers.ETag ?? default;
                roundRow.ETag = responses[1].Headers.ETag ?? default;
                return (row, roundRow);
            }
            catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
            {
                throw new ConcurrencyConflictException($"Run {runId}: round {round} or its shard {shard} changed during a transition.");
            }
        }, cancellationToken);

    private async Task<T?> GetAsync<T>(string partition, string row, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        var response = await _table.GetEntityIfExistsAsync<T>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private async Task<List<T>> QueryAsync<T>(string runId, string rowPrefix, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        var end = rowPrefix[..^1] + (char)(rowPrefix[^1] + 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunEntity.PartitionFor(runId)} and RowKey ge {rowPrefix} and RowKey lt {end}");
        var rows = new List<T>();
        await foreach (var row in _table.QueryAsync<T>(filter, cancellationToken: cancellationToken))
            rows.Add(row);
        rows.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        return rows;
    }
}
