using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// Consumes the queue of one job kind: receives with back-off while the queue is empty or unreachable and hands each
/// message to <see cref="JobMessageProcessor"/> (its lease, handler, retry and poison path). Each of the
/// <see cref="QueueSettings.Concurrency"/> loops holds up to <see cref="QueueSettings.ReceiveBatch"/> messages at once,
/// received together and each handled on its own task, so a handler may combine the work of messages that are in at
/// the same time (the <c>generate</c> handler's generation batches). On shutdown the loops stop receiving and wait for
/// the messages they hold to be settled or handed back.
/// </summary>
public sealed class QueueConsumer(
    IJobKind kind,
    StorageClients clients,
    WorkerStats stats,
    IOptions<WorkerOptions> options,
    ILogger<QueueConsumer> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;
    private readonly QueueSettings _settings = options.Value.SettingsFor(kind.Kind);
    private readonly JobMessageProcessor _processor = new(kind, stats, options.Value.SettingsFor(kind.Kind), logger);

    public string Kind => kind.Kind;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Serves(kind.Kind))
            return;
        var queue = clients.Queue(clients.QueueNames.For(kind.Kind));
        var poison = clients.Queue(clients.QueueNames.Poison(kind.Kind));
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        logger.LogInformation("Serving {Queue}: {Concurrency} loops of up to {ReceiveBatch} messages at a time, visibility {Visibility}, up to {Deliveries} deliveries",
            queue.Name, _settings.Concurrency, _settings.ReceiveBatch, _settings.VisibilityTimeout, _settings.MaxDequeueCount);
        await Task.WhenAll(Enumerable.Range(0, _settings.Concurrency).Select(_ => LoopAsync(queue, poison, stoppingToken)));
    }

    /// <summary>
    /// One receive loop: asks for as many messages as it has free slots (<see cref="QueueSettings.ReceiveBatch"/> in
    /// all) and handles each on its own task, receiving again as soon as one is done; on stopping it waits for the
    /// messages it holds to be settled or handed back.
    /// </summary>
    private async Task LoopAsync(QueueClient queue, QueueClient poison, CancellationToken stoppingToken)
    {
        var idleDelay = _options.PollInterval;
        var unreachable = false;
        using var slots = new SemaphoreSlim(_settings.ReceiveBatch, _settings.ReceiveBatch);
        var inFlight = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await slots.WaitAsync(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                var free = 1;
                while (free < _settings.ReceiveBatch && slots.Wait(0))
                    free++;

                QueueMessage[] received;
                try
                {
                    received = (await queue.ReceiveMessagesAsync(free, _settings.VisibilityTimeout, stoppingToken)).Value;
                    if (unreachable)
                        logger.LogInformation("{Queue} is reachable again", queue.Name);
                    unreachable = false;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    if (!unreachable)
                        logger.LogWarning("Cannot receive from {Queue} ({Error}); retrying with back-off", queue.Name, JobFailures.Describe(e));
                    unreachable = true;
                    received = [];
                }
                if (free > received.Length)
                    slots.Release(free - received.Length);

                if (received.Length == 0)
                {
                    if (!await DelayAsync(idleDelay, stoppingToken))
                        return;
                    idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, _options.MaxPollInterval.Ticks));
                    continue;
                }

                idleDelay = _options.PollInterval;
                inFlight.RemoveAll(t => t.IsCompleted);
                foreach (var message in received)
                    inFlight.Add(HandleInSlotAsync(queue, poison, message, slots, stoppingToken));
            }
        }
        finally
        {
            await Task.WhenAll(inFlight);
        }
    }

    /// <summary>Handles one message on its own task and frees its slot; never throws.</summary>
    private async Task HandleInSlotAsync(QueueClient queue, QueueClient poison, QueueMessage message, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await _processor.ProcessAsync(queue, poison, message, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Bookkeeping around the job failed (storage unreachable mid-way): the message reappears after its
            // visibility timeout and is handled again.
            logger.LogError(e, "Message {MessageId} on {Queue} could not be settled; it will be delivered again", message.MessageId, queue.Name);
        }
        finally
        {
            slots.Release();
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
