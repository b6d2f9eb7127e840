using System.Text.Json;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Platform.Training;

/// <summary>
/// The state side of a run's rounds, shared by the HTTP API (start, cancel, resume) and the worker (merge, poison):
/// starting a round (its row, its shard rows, its K messages, each step idempotent, so a caller that dies half-way
/// is finished by the next), closing a round that was stopped, failing a run, and the run's <c>state.json</c> and
/// <c>loss.png</c> snapshots.
/// </summary>
public sealed class TrainingRounds(
    StorageClients clients,
    TrainingStateStore state,
    JobPublisher publisher,
    TimeProvider time,
    ILogger<TrainingRounds> logger)
{
    /// <summary>
    /// Makes sure round <paramref name="round"/> exists with its K shard rows and that every shard still queued has
    /// its message on the queue, then records the run at that round. A round already enqueued is left alone, so
    /// calling this again sends nothing twice (except after a crash between a send and its record).
    /// </summary>
    public async Task EnsureStartedAsync(RunEntity run, int round, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var row = RoundEntity.New(run.RunId, round, run.ShardsPerRound, now);
        if (!await state.TryAddAsync(row, cancellationToken))
            row = await state.GetRoundAsync(run.RunId, round, cancellationToken) ?? throw new InvalidOperationException($"Run {run.RunId}: round {round} vanished.");
        var shards = await state.EnsureShardsAsync(run.RunId, round, run.ShardsPerRound, run.InnerSteps, now, cancellationToken);
        if (!row.Enqueued)
        {
            foreach (var shard in shards.Where(s => s.State == ShardStates.Queued))
                await EnqueueAsync(run.RunId, round, shard.Shard, cancellationToken);
            await state.UpdateRoundAsync(run.RunId, round, r =>
            {
                if (r.Enqueued) return false;
                r.Enqueued = true;
                return true;
            }, cancellationToken);
            logger.LogInformation("Run {RunId}: round {Round} of {Rounds} started, {Shards} shard jobs queued", run.RunId, round, run.Rounds, run.ShardsPerRound);
        }
        await state.UpdateRunAsync(run.RunId, r =>
        {
            if (r.Round >= round) return false;
            r.Round = round;
            return true;
        }, cancellationToken);
    }

    public Task EnqueueAsync(string runId, int round, int shard, CancellationToken cancellationToken) =>
        publisher.EnqueueAsync(new TrainShardPayload(runId, round, shard), TrainShardPayload.JobIdFor(runId, round, shard), cancellationToken);

    /// <summary>
    /// A round whose shard jobs have all ended without all succeeding: with a failed one the run fails (its reason was
    /// recorded by whoever failed it), with a cancelled one it is cancelled. True when the run is stopped now.
    /// </summary>
    public async Task<bool> CloseIfStoppedAsync(string runId, int round, CancellationToken cancellationToken)
    {
        var row = await state.GetRoundAsync(runId, round, cancellationToken);
        if (row is null || !row.AllShardsDone || row.ShardsSucceeded == row.Shards)
            return false;
        var stopped = row.ShardsFailed > 0 ? RunStates.Failed : RunStates.Cancelled;
        var run = await state.UpdateRunAsync(runId, r =>
        {
            if (RunStates.IsTerminal(r.State) || r.Round != round) return false;
            TrainingRunLifecycle.Move(r, stopped);
            r.FinishedAt = time.GetUtcNow();
            r.Reason ??= stopped == RunStates.Cancelled ? $"Cancelled in round {round}: the jobs that were running finished; resume continues from round {round}." : $"A shard job of round {round} failed.";
            return true;
        }, cancellationToken);
        if (run?.State == stopped)
            logger.LogInformation("Run {RunId} {State} in round {Round}", runId, stopped, round);
        await WriteSnapshotAsync(runId, cancellationToken);
        return run is not null && RunStates.IsTerminal(run.State);
    }

    /// <summary>Fails the run with <paramref name="reason"/> (the first reason stays: it is the cause, later ones follow from it).</summary>
    public async Task FailRunAsync(string runId, string reason, CancellationToken cancellationToken)
    {
        await state.UpdateRunAsync(runId, r =>
        {
            if (RunStates.IsTerminal(r.State)) return false;
            TrainingRunLifecycle.Move(r, RunStates.Failed);
            r.Reason = reason;
            r.FinishedAt = time.GetUtcNow();
            return true;
        }, cancellationToken);
        logger.LogError("Run {RunId} failed: {Reason}", runId, reason);
        await WriteSnapshotAsync(runId, cancellationToken);
    }

    /// <summary>The run's status: its row, its round rows and the current round's shard rows (three reads).</summary>
    public async Task<TrainingRunStatus?> ReadStatusAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await state.GetRunAsync(runId, cancellationToken);
        if (run is null)
            return null;
        var rounds = await state.GetRoundsAsync(runId, cancellationToken);
        var shards = await state.GetShardsAsync(runId, run.Round, cancellationToken);
        return TrainingRunStatus.From(run, rounds, shards);
    }

    /// <summary>Writes <c>state.json</c> (the status) and <c>loss.png</c> into the run's folder, for people browsing storage.</summary>
    public async Task WriteSnapshotAsync(string runId, CancellationToken cancellationToken)
    {
        var status = await ReadStatusAsync(runId, cancellationToken);
        if (status is null)
            return;
        var rounds = await state.GetRoundsAsync(runId, cancellationToken);
        await clients.TrainingFiles.WriteTextAsync(TrainingLayout.StatePath(runId), JsonSerializer.Serialize(status, PlatformJson.Web), ContentTypes.Json, cancellationToken);
        await clients.TrainingFiles.WriteBytesAsync(TrainingLayout.LossPlotPath(runId), TrainingLossPlot.Render(runId, status.InnerSteps, rounds), ContentTypes.Png, cancellationToken);
    }
}
