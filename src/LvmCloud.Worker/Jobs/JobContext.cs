using LvmCloud.Platform.Queues;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// One delivery of a job to its handler. <see cref="Cancellation"/> fires when the worker stops or the message's
/// lease is lost (stop the work, it will be delivered again); <see cref="Stopping"/> fires only when the worker
/// stops, for short bookkeeping that must not be cut off half-way by a lost lease (closing a batch).
/// </summary>
public sealed record JobContext<TPayload>(
    JobEnvelope Envelope,
    TPayload Payload,
    string MessageId,
    long DeliveryCount,
    CancellationToken Cancellation,
    CancellationToken Stopping) where TPayload : IJobPayload
{
    public string JobId => Envelope.JobId;

    /// <summary>The error of the previous failed attempt, when there was one.</summary>
    public string? LastError => Envelope.LastError;
}
