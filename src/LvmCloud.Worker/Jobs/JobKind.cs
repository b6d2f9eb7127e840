using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Jobs;

/// <summary>Binds a payload record to its handler.</summary>
public sealed class JobKind<TPayload>(IJobHandler<TPayload> handler) : IJobKind where TPayload : IJobPayload
{
    public string Kind => TPayload.Kind;

    public IJobPayload DecodePayload(JobEnvelope envelope) => JobCodec.DecodePayload<TPayload>(envelope);

    public Task<JobResult> HandleAsync(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, CancellationToken cancellation, CancellationToken stopping) =>
        handler.HandleAsync(Context(envelope, payload, messageId, deliveryCount, cancellation, stopping));

    public Task OnAttemptFailedAsync(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, Exception error, CancellationToken stopping) =>
        handler.OnAttemptFailedAsync(Context(envelope, payload, messageId, deliveryCount, stopping, stopping), error);

    public Task OnPoisonAsync(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, string reason, CancellationToken stopping) =>
        handler.OnPoisonAsync(Context(envelope, payload, messageId, deliveryCount, stopping, stopping), reason);

    private static JobContext<TPayload> Context(JobEnvelope envelope, IJobPayload payload, string messageId, long deliveryCount, CancellationToken cancellation, CancellationToken stopping) =>
        new(envelope, (TPayload)payload, messageId, deliveryCount, cancellation, stopping);
}
