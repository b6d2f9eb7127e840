using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// Consumes the queue of one job kind: receives with back-off while the queue is empty or unreachable, keeps each
/// message invisible while its handler works (<see cref="VisibilityLease"/>), deletes it when the handler is done,
/// and otherwise makes it visible again after the retry delay with the error written into the envelope. A
/// permanent error (<see cref="JobFailures"/>) deletes it once the handler has failed its work; a failure on the last
/// allowed delivery moves it to the <c>-poison</c> twin instead. On shutdown the message being worked on is handed back at once. Each message
/// gets one log line when it starts, finishes, is retried, handed back or poisoned, and a span that continues the
/// trace in its <c>traceParent</c>. Each of the <see cref="QueueSettings.Concurrency"/> loops holds up to
/// <see cref="QueueSettings.ReceiveBatch"/> messages at once, received together and each handled on its own (its own
/// lease, log lines, span, retry and poison path), so a handler may combine the work of messages that are in at the
/// same time (the <c>generate</c> handler's generation batches).
/// </summary>
public sealed class QueueConsumer(
    IJobKind kind,
    StorageClients clients,
    WorkerStats stats,
    IOptions<WorkerOptions> options,
    ILogger<QueueConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(5);
    private readonly WorkerOptions _options = options.Value;
    private readonly QueueSettings _settings = options.Value.SettingsFor(kind.Kind);

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
            await HandleAsync(queue, poison, message, stoppingToken);
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

    private async Task HandleAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        JobEnvelope envelope;
        IJobPayload payload;
        try
        {
            envelope = JobCodec.DecodeEnvelope(message.MessageText);
            if (envelope.Kind != kind.Kind)
                throw new InvalidJobMessageException($"Job {envelope.JobId} is a '{envelope.Kind}' job on the {kind.Kind} queue.");
            payload = kind.DecodePayload(envelope);
        }
        catch (InvalidJobMessageException e)
        {
            logger.LogError("Message {MessageId} on {Queue} is not a job this worker can run ({Reason}); moved to {Poison}", message.MessageId, queue.Name, e.Message, poison.Name);
            await poison.SendMessageAsync(message.MessageText, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
            stats.MessagePoisoned();
            PlatformTelemetry.MessagesPoisoned.Add(1);
            return;
        }

        using var activity = PlatformTelemetry.StartFromTraceParent($"{kind.Kind} process", ActivityKind.Consumer, envelope.TraceParent);
        activity?.SetTag("messaging.system", "azure_queue");
        activity?.SetTag("messaging.destination.name", queue.Name);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("lvm.job_id", envelope.JobId);
        activity?.SetTag("lvm.job_kind", kind.Kind);
        activity?.SetTag("lvm.dequeue_count", message.DequeueCount);
        if (payload is GeneratePayload generate)
        {
            activity?.SetTag("lvm.batch_id", generate.BatchId);
            activity?.SetTag("lvm.item_count", generate.ItemIds.Count);
        }
        else if (payload is TokenizePayload tokenize)
        {
            activity?.SetTag("lvm.dataset", tokenize.Dataset);
            activity?.SetTag("lvm.tokenizer_id", tokenize.TokenizerId);
            activity?.SetTag("lvm.chunk", tokenize.Chunk);
        }

        var delivery = message.DequeueCount;
        if (delivery > _settings.MaxDequeueCount)
        {
            // A delivery past the limit (the worker that had it died each time): don't try again.
            var reason = $"Gave up after {delivery - 1} deliveries.{LastErrorSuffix(envelope.LastError)}";
            await kind.OnPoisonAsync(envelope, payload, message.MessageId, delivery, reason, stoppingToken);
            await poison.SendMessageAsync(message.MessageText, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
            Poisoned(envelope, poison.Name, reason);
            return;
        }

        if (delivery == 1)
            logger.LogInformation("Job {JobId} ({Kind}: {Job}) started", envelope.JobId, kind.Kind, payload.Describe());
        else
            logger.LogWarning("Job {JobId} ({Kind}: {Job}) started again, delivery {Delivery} of {Max}; previous attempt: {Previous}",
                envelope.JobId, kind.Kind, payload.Describe(), delivery, _settings.MaxDequeueCount,
                envelope.LastError ?? "did not finish (its worker stopped or lost the message's lease)");

        var clock = Stopwatch.StartNew();
        await using var lease = new VisibilityLease(queue, message.MessageId, message.PopReceipt, _settings.VisibilityTimeout, stats, logger);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        try
        {
            var result = await kind.HandleAsync(envelope, payload, message.MessageId, delivery, work.Token, stoppingToken);
            await lease.CompleteAsync(stoppingToken);
            stats.MessageCompleted();
            logger.LogInformation("Job {JobId} ({Kind}) finished in {Seconds:F2} s: {Summary}", envelope.JobId, kind.Kind, clock.Elapsed.TotalSeconds, result.Summary);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            using var timeout = new CancellationTokenSource(HandBackTimeout);
            await lease.ReleaseAsync(TimeSpan.Zero, timeout.Token);
            stats.MessageHandedBack();
            logger.LogWarning("Job {JobId} ({Kind}) handed back: the worker is stopping; it will be delivered again", envelope.JobId, kind.Kind);
        }
        catch (OperationCanceledException) when (lease.Lost.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId} ({Kind}) stopped: its lease was lost, so another delivery may own it now", envelope.JobId, kind.Kind);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var error = JobFailures.Describe(e);
            var withError = JobCodec.Encode(envelope with { LastError = error });
            if (JobFailures.IsPermanent(e) || delivery >= _settings.MaxDequeueCount)
            {
                var reason = JobFailures.FinalReason(e, delivery);
                logger.LogDebug(e, "Job {JobId} failed", envelope.JobId);
                await kind.OnPoisonAsync(envelope with { LastError = error }, payload, message.MessageId, delivery, reason, stoppingToken);
                if (!JobFailures.IsPermanent(e))
                    await poison.SendMessageAsync(withError, stoppingToken);
                await lease.CompleteAsync(stoppingToken);
                if (JobFailures.IsPermanent(e))
                    FailedForGood(envelope, reason);
                else
                    Poisoned(envelope, poison.Name, reason);
                return;
            }

            await kind.OnAttemptFailedAsync(envelope, payload, message.MessageId, delivery, e, stoppingToken);
            await lease.ReleaseAsync(_settings.RetryDelay, stoppingToken, withError);
            stats.MessageRetried();
            logger.LogWarning("Job {JobId} ({Kind}) failed on delivery {Delivery} of {Max}, retrying in {Delay}: {Error}",
                envelope.JobId, kind.Kind, delivery, _settings.MaxDequeueCount, _settings.RetryDelay, error);
            logger.LogDebug(e, "Job {JobId} failed", envelope.JobId);
        }
    }

    private void Poisoned(JobEnvelope envelope, string poisonQueue, string reason)
    {
        stats.MessagePoisoned();
        PlatformTelemetry.MessagesPoisoned.Add(1);
        logger.LogError("Job {JobId} ({Kind}) moved to {Poison}: {Reason}", envelope.JobId, kind.Kind, poisonQueue, reason);
    }

    private void FailedForGood(JobEnvelope envelope, string reason)
    {
        stats.MessageFailed();
        logger.LogError("Job {JobId} ({Kind}) failed for good, message deleted: {Reason}", envelope.JobId, kind.Kind, reason);
    }

    private static string LastErrorSuffix(string? lastError) => lastError is null ? "" : $" Last error: {lastError}";

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
