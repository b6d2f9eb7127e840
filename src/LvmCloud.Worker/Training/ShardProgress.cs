using LvmCloud.Platform.Training;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Training;

/// <summary>
/// Writes a running shard job's step, loss and heartbeat to its state row: at every checkpoint, and otherwise at most
/// every <see cref="TrainingWorkerOptions.ProgressInterval"/>, renewing the owner lease (<see cref="ShardOwnership"/>). Each
/// write is conditional on the row still being this delivery's; a failed write of progress is logged and training goes on (the next one catches up).
/// </summary>
public sealed class ShardProgress(ShardOwnership ownership, string runId, int round, int shard, string owner, TimeSpan interval, TimeProvider time, ILogger logger)
{
    private DateTimeOffset _lastWrite = time.GetUtcNow();

    public Task StepAsync(int step, double loss, CancellationToken cancellationToken) =>
        time.GetUtcNow() - _lastWrite >= interval ? WriteAsync(step, loss, null, cancellationToken) : Task.CompletedTask;

    public Task CheckpointedAsync(int step, double loss, CancellationToken cancellationToken) => WriteAsync(step, loss, step, cancellationToken);

    private async Task WriteAsync(int step, double loss, int? checkpoint, CancellationToken cancellationToken)
    {
        _lastWrite = time.GetUtcNow();
        try
        {
            await ownership.RenewAsync(runId, round, shard, owner, row =>
            {
                row.Step = step;
                row.Loss = double.IsFinite(loss) ? loss : null;
                if (checkpoint is { } c)
                    row.CheckpointStep = c;
            }, cancellationToken);
        }
        catch (Exception e) when (e is not (ShardTakenOverException or OperationCanceledException))
        {
            logger.LogWarning("Run {RunId}: progress of shard {Shard} (round {Round}) not recorded: {Error}", runId, shard, round, e.Message);
        }
    }
}
