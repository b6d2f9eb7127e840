using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Worker.Generate;

/// <summary>
/// One message's loaded items waiting in a <see cref="ModelLane"/> for their generation batch, and the promise of
/// their results. Cancelled by its message alone: before its batch runs it just drops out; while the batch runs the
/// batch goes on for the others, and is cancelled only when every request in it has been.
/// </summary>
internal sealed class GatherRequest(BatchItemRunner runner, IReadOnlyList<CompletionInput> inputs, int rows, long submittedAt)
{
    private readonly TaskCompletionSource<IReadOnlyList<CompletedItem>> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private SharedRun? _run;

    public BatchItemRunner Runner => runner;
    public IReadOnlyList<CompletionInput> Inputs => inputs;
    public int Rows => rows;
    public long SubmittedAt => submittedAt;
    public Task<IReadOnlyList<CompletedItem>> Result => _result.Task;

    /// <summary>Done: results given, failed, or cancelled by its message.</summary>
    public bool IsSettled => _result.Task.IsCompleted;

    /// <summary>The request joins <paramref name="run"/>; false when it was cancelled already.</summary>
    public bool Join(SharedRun run)
    {
        lock (_gate)
        {
            if (IsSettled)
                return false;
            _run = run;
            run.MemberJoined();
            return true;
        }
    }

    public void Cancel(CancellationToken cancellationToken)
    {
        SharedRun? run;
        lock (_gate)
        {
            if (!_result.TrySetCanceled(cancellationToken))
                return;
            run = _run;
        }
        run?.MemberLeft();
    }

    public void Succeed(IReadOnlyList<CompletedItem> results) => _result.TrySetResult(results);

    public void Fail(Exception error) => _result.TrySetException(error);
}

/// <summary>
/// The requests of one model call: its cancellation fires when the last of them is cancelled. (Its token source is
/// never disposed: it holds no timer, and a late cancel must find it usable.)
/// </summary>
internal sealed class SharedRun
{
    private readonly CancellationTokenSource _cancel = new();
    private int _members;

    public CancellationToken Cancellation => _cancel.Token;

    public void MemberJoined() => Interlocked.Increment(ref _members);

    public void MemberLeft()
    {
        if (Interlocked.Decrement(ref _members) == 0)
            _cancel.Cancel();
    }
}
