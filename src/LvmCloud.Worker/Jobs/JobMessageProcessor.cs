using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Logging;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// One received message of a job kind, from decoding to its end: keeps it invisible while its handler works
/// (<see cref="VisibilityLease"/>), deletes it when the handler is done, and otherwise makes it visible again after the
/// retry delay with the error written into the envelope. A permanent error (<see cref="JobFailures"/>) or the last
/// allowed delivery moves it to the <c>-poison</c> twin after the handler has failed its work; a message that is not a
/// job of this kind goes there at once. On shutdown the message is handed back at once. Each message gets one log line
/// (in the <see cref="QueueConsumer"/>'s category) when it starts, finishes, is retried, handed back or poisoned, and a
/// span (<see cref="JobSpan"/>) that continues the trace in its <c>traceParent</c>.
/// </summary>
public sealed class JobMessageProcessor(IJobKind kind, WorkerStats stats, QueueSettings settings, ILogger<QueueConsumer> logger)
{
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs one received message to its end: done, retried, handed back or poisoned. Throws only when that bookkeeping fails.</summary>
    public async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
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

        using var activity = JobSpan.Start(kind.Kind, queue.Name, message, envelope, payload);

        var delivery = message.DequeueCount;
        if (delivery > settings.MaxDequeueCount)
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
                envelope.JobId, kind.Kind, payload.Describe(), delivery, settings.MaxDequeueCount,
                envelope.LastError ?? "did not finish (its worker stopped or lost the message's lease)");

        var clock = Stopwatch.StartNew();
        await using var lease = new VisibilityLease(queue, message.MessageId, message.PopReceipt, settings.VisibilityTimeout, stats, logger);
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
            if (JobFailures.IsPermanent(e) || delivery >= settings.MaxDequeueCount)
            {
                // One rule for every kind (docs/platform.md, "When a job fails"): a permanent error fails the job's
                // work and deletes the message; retries used up fail it and keep the message in the poison queue.
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
            await lease.ReleaseAsync(settings.RetryDelay, stoppingToken, withError);
            stats.MessageRetried();
            logger.LogWarning("Job {JobId} ({Kind}) failed on delivery {Delivery} of {Max}, retrying in {Delay}: {Error}",
                envelope.JobId, kind.Kind, delivery, settings.MaxDequeueCount, settings.RetryDelay, error);
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
}
