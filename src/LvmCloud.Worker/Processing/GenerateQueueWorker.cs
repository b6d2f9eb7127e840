using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LvmCloud.Worker.Processing;

/// <summary>
/// Consumes the <c>generate</c> queue with <see cref="WorkerOptions.Concurrency"/> loops. A message that fails
/// is released for a retry after <see cref="WorkerOptions.RetryDelay"/>; once it has been delivered
/// <see cref="WorkerOptions.MaxDequeueCount"/> times it moves to <c>generate-poison</c> and its items fail
/// with the last error. Each message's span continues the trace in its <c>traceparent</c>.
/// </summary>
public sealed class GenerateQueueWorker(
    StorageClients clients,
    GenerateJobProcessor processor,
    WorkerStats stats,
    IOptions<WorkerOptions> options,
    ILogger<GenerateQueueWorker> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await clients.EnsureCreatedAsync(stoppingToken);
        var queue = clients.Queue(clients.QueueNames.Generate);
        var poison = clients.Queue(clients.QueueNames.GeneratePoison);
        logger.LogInformation("Consuming {Queue} with {Concurrency} loops", queue.Name, _options.Concurrency);
        var loops = Enumerable.Range(0, _options.Concurrency).Select(_ => LoopAsync(queue, poison, stoppingToken));
        await Task.WhenAll(loops);
    }

    private async Task LoopAsync(QueueClient queue, QueueClient poison, CancellationToken stoppingToken)
    {
        var idleDelay = _options.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var received = await queue.ReceiveMessagesAsync(1, _options.VisibilityTimeout, stoppingToken);
                if (received.Value.Length == 0)
                {
                    await Task.Delay(idleDelay, stoppingToken);
                    idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, _options.MaxPollInterval.Ticks));
                    continue;
                }

                idleDelay = _options.PollInterval;
                await HandleAsync(queue, poison, received.Value[0], stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Queue loop error on {Queue}; continuing", queue.Name);
                await Task.Delay(_options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task HandleAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        JobMessage job;
        try
        {
            job = JobMessageCodec.Decode(message.MessageText);
        }
        catch (InvalidJobMessageException e)
        {
            logger.LogError("Message {MessageId} on {Queue} is not a valid job ({Reason}); moving it to {Poison}", message.MessageId, queue.Name, e.Message, poison.Name);
            await MoveToPoisonAsync(queue, poison, message, message.PopReceipt, stoppingToken);
            return;
        }

        using var activity = PlatformTelemetry.StartFromTraceParent("generate process", ActivityKind.Consumer, job.TraceParent);
        activity?.SetTag("messaging.system", "azure_queue");
        activity?.SetTag("messaging.destination.name", queue.Name);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("lvm.batch_id", job.BatchId);
        activity?.SetTag("lvm.job_id", job.JobId);
        activity?.SetTag("lvm.item_count", job.ItemIds.Count);
        activity?.SetTag("lvm.dequeue_count", message.DequeueCount);

        if (message.DequeueCount > _options.MaxDequeueCount)
        {
            // A delivery past the limit (e.g. the worker that had it died): don't try again.
            await PoisonAsync(queue, poison, message, message.PopReceipt, job, $"Gave up after {message.DequeueCount - 1} deliveries.", stoppingToken);
            return;
        }

        await using var lease = new VisibilityLease(queue, message.MessageId, message.PopReceipt, _options.VisibilityTimeout, stats, logger);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        try
        {
            await processor.ProcessAsync(job, work.Token);
            // Not tied to the message's lease: closing the batch is batch-level work, and stopping half-way
            // would leave it finalizing until the claim lapses.
            await processor.FinalizeBatchAsync(job, stoppingToken);
            await lease.CompleteAsync(stoppingToken);
            stats.MessageCompleted();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || lease.Lost.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId} interrupted (shutdown or lost lease); it will be delivered again", job.JobId);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var error = $"{e.GetType().Name}: {e.Message}";
            logger.LogError(e, "Job {JobId} of batch {BatchId} failed on delivery {Delivery} of {Max}", job.JobId, job.BatchId, message.DequeueCount, _options.MaxDequeueCount);
            await processor.RecordAttemptErrorAsync(job, error, stoppingToken);
            if (message.DequeueCount >= _options.MaxDequeueCount)
                await PoisonWithLeaseAsync(lease, poison, message, job, $"Failed {message.DequeueCount} times.", stoppingToken);
            else
                await lease.ReleaseAsync(_options.RetryDelay, stoppingToken);
        }
    }

    private async Task PoisonWithLeaseAsync(VisibilityLease lease, QueueClient poison, QueueMessage message, JobMessage job, string reason, CancellationToken cancellationToken)
    {
        await poison.SendMessageAsync(message.MessageText, cancellationToken);
        Poisoned(job.JobId, reason);
        await processor.FailItemsAsync(job, reason, cancellationToken);
        await lease.CompleteAsync(cancellationToken);
    }

    private async Task PoisonAsync(QueueClient queue, QueueClient poison, QueueMessage message, string popReceipt, JobMessage job, string reason, CancellationToken cancellationToken)
    {
        await poison.SendMessageAsync(message.MessageText, cancellationToken);
        Poisoned(job.JobId, reason);
        await processor.FailItemsAsync(job, reason, cancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken);
    }

    private async Task MoveToPoisonAsync(QueueClient queue, QueueClient poison, QueueMessage message, string popReceipt, CancellationToken cancellationToken)
    {
        await poison.SendMessageAsync(message.MessageText, cancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken);
        stats.MessagePoisoned();
        PlatformTelemetry.MessagesPoisoned.Add(1);
    }

    private void Poisoned(string jobId, string reason)
    {
        stats.MessagePoisoned();
        PlatformTelemetry.MessagesPoisoned.Add(1);
        logger.LogError("Job {JobId} moved to {Poison}: {Reason}", jobId, clients.QueueNames.GeneratePoison, reason);
    }
}
