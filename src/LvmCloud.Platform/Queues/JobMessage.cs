namespace LvmCloud.Platform.Queues;

/// <summary>
/// A queue message: small JSON naming the work, never carrying data. <see cref="TraceParent"/> is the W3C
/// trace context of the function that enqueued it, so the worker's spans join the same trace.
/// </summary>
public sealed record JobMessage(
    int SchemaVersion,
    string JobId,
    string Kind,
    string BatchId,
    IReadOnlyList<string> ItemIds,
    ModelReference Model,
    string? TraceParent,
    DateTimeOffset EnqueuedAt)
{
    public const int CurrentSchemaVersion = 1;
}
