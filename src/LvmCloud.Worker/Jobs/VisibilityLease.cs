using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// Keeps a received message invisible while it is worked on: every third of the visibility timeout it is
/// extended, always with the newest pop receipt. <see cref="Lost"/> fires if an extension fails (the message
/// reappeared for someone else), so the work can stop early.
/// </summary>
public sealed class VisibilityLease : IAsyncDisposable
{
    private readonly QueueClient _queue;
    private readonly string _messageId;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly WorkerStats _stats;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewals;
    private string _popReceipt;
    private bool _settled;

    public VisibilityLease(QueueClient queue, string messageId, string popReceipt, TimeSpan timeout, WorkerStats stats, ILogger logger)
    {
        _queue = queue;
        _messageId = messageId;
        _popReceipt = popReceipt;
        _timeout = timeout;
        _stats = stats;
        _logger = logger;
        _renewals = RenewLoopAsync();
    }

    /// <summary>Cancelled when the lease could not be renewed.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Deletes the message (work done), with the newest pop receipt.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken) =>
        SettleAsync(() => _queue.DeleteMessageAsync(_messageId, _popReceipt, cancellationToken));

    /// <summary>
    /// Makes the message visible again after <paramref name="delay"/> (work failed, retry later; or handed back at
    /// once on shutdown), replacing its text with <paramref name="newText"/> when given (the envelope with its last error).
    /// </summary>
    public Task ReleaseAsync(TimeSpan delay, CancellationToken cancellationToken, string? newText = null) =>
        SettleAsync(() => _queue.UpdateMessageAsync(_messageId, _popReceipt, newText, delay, cancellationToken));

    private async Task SettleAsync(Func<Task> action)
    {
        await StopRenewalsAsync();
        await _gate.WaitAsync();
        try
        {
            if (_settled)
                return;
            _settled = true;
            await action();
        }
        catch (RequestFailedException e) when (e.Status is 400 or 404)
        {
            _logger.LogWarning("Message {MessageId} was no longer ours to settle ({Status}): another delivery owns it", _messageId, e.Status);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RenewLoopAsync()
    {
        var interval = _timeout / 3;
        try
        {
            while (true)
            {
                await Task.Delay(interval, _stop.Token);
                await _gate.WaitAsync(_stop.Token);
                try
                {
                    if (_settled)
                        return;
                    var receipt = await _queue.UpdateMessageAsync(_messageId, _popReceipt, visibilityTimeout: _timeout, cancellationToken: _stop.Token);
                    _popReceipt = receipt.Value.PopReceipt;
                    _stats.VisibilityRenewed();
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Lost the visibility lease of message {MessageId}", _messageId);
            await _lost.CancelAsync();
        }
    }

    private async Task StopRenewalsAsync()
    {
        if (!_stop.IsCancellationRequested)
            await _stop.CancelAsync();
        await _renewals;
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewalsAsync();
        _stop.Dispose();
        _lost.Dispose();
        _gate.Dispose();
    }
}
