using System.Diagnostics;
using Azure.Storage.Queues.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Telemetry;
using LvmCloud.Worker.Jobs;

namespace LvmCloud.Platform.Tests;

/// <summary>The worker's span of a job message carries the payload's own tags, for every job kind there is.</summary>
public sealed class JobSpanTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /// <summary>One payload of each kind, with the tags its span must carry (after the payload's JSON round trip).</summary>
    private static readonly Sample[] Kinds =
    [
        Sample.Of(new GeneratePayload("b-20250101-000000-abcdef", ["x", "y"], new ModelReference("fmnist-lvm", "1")),
            new() { ["lvm.batch_id"] = "b-20250101-000000-abcdef", ["lvm.item_count"] = 2 }),
        Sample.Of(new TokenizePayload("digits", new ModelReference("fmnist-lvm", "1"), "fmnist-lvm-1-0123abcd", "t-1", 3, 7, 100, 200, "hash", "fingerprint"),
            new() { ["lvm.dataset"] = "digits", ["lvm.tokenizer_id"] = "fmnist-lvm-1-0123abcd", ["lvm.chunk"] = 3 }),
        Sample.Of(new TrainShardPayload("run-1", 2, 5),
            new() { ["lvm.run_id"] = "run-1", ["lvm.round"] = 2, ["lvm.shard"] = 5 }),
    ];

    public static TheoryData<int> KindIndexes => [.. Enumerable.Range(0, Kinds.Length)];

    [Theory]
    [MemberData(nameof(KindIndexes))]
    public void Each_job_kinds_span_carries_its_payloads_tags_and_continues_the_trace(int index)
    {
        var (kind, _, wrap, decode, expected) = Kinds[index];
        var envelope = JobCodec.DecodeEnvelope(JobCodec.Encode(wrap()));
        var payload = (IJobPayload)decode(envelope);
        var message = QueuesModelFactory.QueueMessage("message-1", "receipt", "{}", dequeueCount: 2);
        using var listener = Listen();

        using var span = JobSpan.Start(kind, $"lvm-{kind}", message, envelope, payload);

        Assert.NotNull(span);
        Assert.Equal($"{kind} process", span.OperationName);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
        var tags = span.TagObjects.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("job-1", tags["lvm.job_id"]);
        Assert.Equal(kind, tags["lvm.job_kind"]);
        Assert.Equal(2L, Convert.ToInt64(tags["lvm.dequeue_count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("message-1", tags["messaging.message.id"]);
        Assert.Equal($"lvm-{kind}", tags["messaging.destination.name"]);
        foreach (var (key, value) in expected)
        {
            Assert.True(tags.ContainsKey(key), $"The {kind} span has no '{key}' tag; it has: {string.Join(", ", tags.Keys)}");
            Assert.Equal(value, tags[key]);
        }
    }

    [Fact]
    public void Every_payload_type_is_covered_and_its_tags_stay_out_of_the_message()
    {
        var payloadTypes = typeof(IJobPayload).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IJobPayload).IsAssignableFrom(t))
            .Select(t => t.Name).Order().ToList();
        Assert.Equal(payloadTypes, Kinds.Select(k => k.Payload.GetType().Name).Order().ToList());
        foreach (var sample in Kinds)
        {
            Assert.NotEmpty(sample.Payload.SpanTags());
            Assert.DoesNotContain("spanTags", JobCodec.Encode(sample.Wrap()), StringComparison.OrdinalIgnoreCase);
        }
    }

    private static ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PlatformTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>A payload of one kind: how it is wrapped into a message and read back, and the tags its span must carry.</summary>
    private sealed record Sample(string Kind, IJobPayload Payload, Func<JobEnvelope> Wrap, Func<JobEnvelope, object> Decode, Dictionary<string, object?> Tags)
    {
        public static Sample Of<TPayload>(TPayload payload, Dictionary<string, object?> tags) where TPayload : IJobPayload =>
            new(TPayload.Kind, payload, () => JobCodec.Wrap(payload, "job-1", TraceParent, DateTimeOffset.UnixEpoch), e => JobCodec.DecodePayload<TPayload>(e), tags);
    }
}
