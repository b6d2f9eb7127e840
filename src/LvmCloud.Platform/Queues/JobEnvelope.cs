using System.Text.Json;

namespace LvmCloud.Platform.Queues;

/// <summary>
/// Every queue message: a small envelope naming the job and carrying its kind's payload record, never data.
/// <see cref="TraceParent"/> is the W3C trace context of whoever enqueued it, so the worker's spans join that
/// trace. <see cref="LastError"/> is written back into the message by the consumer when an attempt fails, so the
/// next delivery can say what went wrong before.
/// </summary>
public sealed record JobEnvelope(
    int SchemaVersion,
    string Kind,
    string JobId,
    string? TraceParent,
    DateTimeOffset EnqueuedAt,
    JsonElement Payload,
    string? LastError = null)
{
    public const int CurrentSchemaVersion = 2;
}
