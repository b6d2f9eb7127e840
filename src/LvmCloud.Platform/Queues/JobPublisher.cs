using System.Diagnostics;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Queues;

/// <summary>Sends jobs to the queue of their kind, with the current trace context in the envelope.</summary>
public sealed class JobPublisher(StorageClients clients, TimeProvider time)
{
    public async Task<JobEnvelope> EnqueueAsync<TPayload>(TPayload payload, string jobId, CancellationToken cancellationToken) where TPayload : IJobPayload
    {
        var envelope = JobCodec.Wrap(payload, jobId, Activity.Current?.Id, time.GetUtcNow());
        await clients.Queue(clients.QueueNames.For(TPayload.Kind)).SendMessageAsync(JobCodec.Encode(envelope), cancellationToken);
        return envelope;
    }
}
