using System.Diagnostics;
using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// The generation batches of one model: requests wait here, in the order they came, until a batch is full
/// (<see cref="GenerationBatchOptions.BatchRows"/>), no announced message is still on its way, or the first waiting
/// request has waited <see cref="GenerationBatchOptions.GatherWindow"/>. Then one driver task runs the batch and
/// gathers the next while it runs; it ends when nothing waits. Batches of one model run one after another.
/// </summary>
internal sealed class ModelLane(ModelReference model, GenerationBatchOptions options, WorkerStats stats, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly List<GatherRequest> _waiting = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _announced;
    private bool _driving;

    public void Announce()
    {
        lock (_gate)
            _announced++;
    }

    /// <summary>An announced message that will not submit anything.</summary>
    public void Leave()
    {
        lock (_gate)
        {
            _announced--;
            SignalLocked();
        }
    }

    public async Task<IReadOnlyList<CompletedItem>> SubmitAsync(BatchItemRunner runner, IReadOnlyList<CompletionInput> inputs, int rows, CancellationToken cancellationToken)
    {
        var request = new GatherRequest(runner, inputs, rows, time.GetTimestamp());
        lock (_gate)
        {
            _announced--;
            _waiting.Add(request);
            SignalLocked();
            if (!_driving)
            {
                _driving = true;
                _ = Task.Run(DriveAsync, CancellationToken.None);
            }
        }
        using var registration = cancellationToken.Register(() =>
        {
            request.Cancel(cancellationToken);
            lock (_gate)
                SignalLocked();
        });
        return await request.Result;
    }

    private async Task DriveAsync()
    {
        try
        {
            while (await NextBatchAsync() is { } batch)
                await RunAsync(batch);
        }
        catch (Exception e)
        {
            // Not expected (a batch's errors go to its requests): fail what waits rather than leave it waiting.
            logger.LogError(e, "Model {Model}: the generation batch driver failed", model);
            lock (_gate)
            {
                foreach (var request in _waiting)
                    request.Fail(e);
                _waiting.Clear();
                _driving = false;
            }
        }
    }

    /// <summary>The next batch once it is due; null (and the driver ends) when nothing waits.</summary>
    private async Task<List<GatherRequest>?> NextBatchAsync()
    {
        while (true)
        {
            Task changed;
            TimeSpan wait;
            lock (_gate)
            {
                _waiting.RemoveAll(r => r.IsSettled); // cancelled before their batch ran
                if (_waiting.Count == 0)
                {
                    _driving = false;
                    return null;
                }
                var waited = time.GetElapsedTime(_waiting[0].SubmittedAt);
                if (_waiting.Sum(r => r.Rows) >= options.BatchRows || _announced <= 0 || waited >= options.GatherWindow)
                    return TakeLocked();
                wait = options.GatherWindow - waited;
                changed = _changed.Task;
            }
            using var timer = new CancellationTokenSource();
            await Task.WhenAny(changed, Task.Delay(wait, time, timer.Token));
            await timer.CancelAsync();
        }
    }

    /// <summary>The first waiting request, then every later one that still fits in the rows (the others wait for the next batch).</summary>
    private List<GatherRequest> TakeLocked()
    {
        var batch = new List<GatherRequest> { _waiting[0] };
        var rows = _waiting[0].Rows;
        foreach (var request in _waiting.Skip(1))
            if (rows + request.Rows <= options.BatchRows)
            {
                batch.Add(request);
                rows += request.Rows;
            }
        _waiting.RemoveAll(batch.Contains);
        return batch;
    }

    private async Task RunAsync(List<GatherRequest> batch)
    {
        var run = new SharedRun();
        batch = batch.Where(r => r.Join(run)).ToList();
        if (batch.Count == 0)
            return;
        var clock = Stopwatch.StartNew();
        try
        {
            var completed = await CompleteAsync(batch, run.Cancellation);
            stats.GenerationBatchRan(batch.Sum(r => r.Rows));
            logger.LogDebug("Model {Model}: generation batch of {Rows} rows from {Messages} messages in {Seconds:F2} s",
                model, batch.Sum(r => r.Rows), batch.Count, clock.Elapsed.TotalSeconds);
            var next = 0;
            foreach (var request in batch)
            {
                request.Succeed(completed.Skip(next).Take(request.Inputs.Count).ToList());
                next += request.Inputs.Count;
            }
        }
        catch (Exception e) when (batch.Count > 1 && !run.Cancellation.IsCancellationRequested)
        {
            // One message's items may be what breaks the model: run each message alone, so that only the ones whose
            // own items fail get the error (and are retried or poisoned on their own).
            logger.LogWarning("Model {Model}: a generation batch of {Messages} messages failed ({Error}); each message is run again alone",
                model, batch.Count, JobFailures.Describe(e));
            foreach (var request in batch)
                await RunAsync([request]);
        }
        catch (Exception e)
        {
            foreach (var request in batch)
                request.Fail(e);
        }
    }

    private static Task<IReadOnlyList<CompletedItem>> CompleteAsync(List<GatherRequest> batch, CancellationToken cancellationToken)
    {
        var inputs = batch.SelectMany(r => r.Inputs).ToList();
        return Task.Run(() => batch[0].Runner.Complete(inputs, cancellationToken), cancellationToken);
    }

    private void SignalLocked()
    {
        _changed.TrySetResult();
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
