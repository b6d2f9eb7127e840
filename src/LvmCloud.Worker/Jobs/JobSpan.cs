using System.Diagnostics;
using Azure.Storage.Queues.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Telemetry;

namespace LvmCloud.Worker.Jobs;

/// <summary>
/// The consumer span of one job message (<c>{kind} process</c>), continuing the trace in the envelope's
/// <c>traceParent</c>: the queue's messaging tags, the envelope's job id, kind and delivery count, and the payload's own
/// <see cref="IJobPayload.SpanTags"/>, so every job kind is tagged without the consumer knowing its payload.
/// </summary>
public static class JobSpan
{
    /// <summary>The started span, or null when nobody listens.</summary>
    public static Activity? Start(string kind, string queueName, QueueMessage message, JobEnvelope envelope, IJobPayload payload)
    {
        var activity = PlatformTelemetry.StartFromTraceParent($"{kind} process", ActivityKind.Consumer, envelope.TraceParent);
        if (activity is null)
            return null;
        activity.SetTag("messaging.system", "azure_queue");
        activity.SetTag("messaging.destination.name", queueName);
        activity.SetTag("messaging.message.id", message.MessageId);
        activity.SetTag("lvm.job_id", envelope.JobId);
        activity.SetTag("lvm.job_kind", kind);
        activity.SetTag("lvm.dequeue_count", message.DequeueCount);
        foreach (var (key, value) in payload.SpanTags())
            activity.SetTag(key, value);
        return activity;
    }
}
