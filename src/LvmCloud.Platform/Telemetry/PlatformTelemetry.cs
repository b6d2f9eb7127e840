using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LvmCloud.Platform.Telemetry;

/// <summary>
/// The platform's spans and metrics. Functions start spans here and put <see cref="Activity.Id"/> (W3C
/// traceparent) into each queue message; the worker continues that trace.
/// </summary>
public static class PlatformTelemetry
{
    public const string Name = "LvmCloud.Platform";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ItemsCompleted = Meter.CreateCounter<long>("lvm.items.completed", "{item}", "Items finished by a worker, tagged by status.");
    public static readonly Counter<long> ItemsFailed = Meter.CreateCounter<long>("lvm.items.failed", "{item}", "Items that failed (bad input, model error, poison).");
    public static readonly Counter<long> TokensGenerated = Meter.CreateCounter<long>("lvm.tokens.generated", "{token}", "Visual tokens sampled by the model.");
    public static readonly Counter<long> MessagesPoisoned = Meter.CreateCounter<long>("lvm.messages.poisoned", "{message}", "Messages moved to a -poison queue.");
    public static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>("lvm.queue.wait", "ms", "Time from enqueue to a worker starting the item.");
    public static readonly Histogram<double> ItemDuration = Meter.CreateHistogram<double>("lvm.item.duration", "ms", "Time a worker spent on an item, model included.");
    public static readonly Counter<long> ItemsPlanned = Meter.CreateCounter<long>("lvm.items.planned", "{item}", "Manifest lines accepted at intake.");
    public static readonly Counter<long> ChunksPlanned = Meter.CreateCounter<long>("lvm.tokenize.chunks.planned", "{chunk}", "Dataset chunks queued for retokenization.");
    public static readonly Counter<long> ShardsWritten = Meter.CreateCounter<long>("lvm.tokenize.shards", "{shard}", "Token shards written by tokenize jobs.");
    public static readonly Counter<long> ImagesTokenized = Meter.CreateCounter<long>("lvm.tokenize.images", "{image}", "Images encoded into token shards (images/s as a rate).");
    public static readonly Counter<long> SentencesSkipped = Meter.CreateCounter<long>("lvm.tokenize.skipped", "{sentence}", "Sentences left out of shards (bad line or image), tagged by reason.");

    /// <summary>Starts a span whose parent is the W3C <paramref name="traceParent"/> (a new trace when absent or malformed).</summary>
    public static Activity? StartFromTraceParent(string name, ActivityKind kind, string? traceParent)
    {
        if (traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent))
            return Source.StartActivity(name, kind, parent);
        return Source.StartActivity(name, kind);
    }
}
