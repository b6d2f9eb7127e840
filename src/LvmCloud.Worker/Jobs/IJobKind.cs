using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Jobs;

/// <summary>A registered job kind as the consumer sees it: decodes payloads and calls its handler.</summary>
public interface IJobKind
{
    string Kind { get; }

    /// <summary>The payload, validated.</summary>
    /// <exception cref="InvalidJobMessageException">It cannot be read or does not validate.</exception>
    IJobPayload DecodePayload(JobEnvelope envelope);

    Task<JobResult> HandleAsync(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, CancellationToken cancellation, CancellationToken stopping);

    Task OnAttemptFailedAsync(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, Exception error, CancellationToken stopping);

    Task OnPoisonAsync(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, string reason, CancellationToken stopping);
}
