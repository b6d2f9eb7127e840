using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Telemetry;
using LvmCloud.Platform.Tests.Infrastructure;

namespace LvmCloud.Platform.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class TracingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Worker_spans_continue_the_intake_trace_through_the_queue_message()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PlatformTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var harness = await PlatformHarness.CreateAsync(azurite);
        var batchId = Identifiers.NewBatchId(DateTimeOffset.UtcNow);
        await harness.Clients.Batches.GetBlobClient($"{batchId}/inputs/a.png").UploadAsync(BinaryData.FromBytes(TestImages.Png(8, 8, 3)));
        await harness.Clients.Batches.GetBlobClient($"{batchId}/manifest.jsonl").UploadAsync(
            BinaryData.FromBytes(Encoding.UTF8.GetBytes("{\"id\": \"x\", \"input\": [\"a.png\"]}\n{\"id\": \"y\", \"input\": [\"a.png\"]}")));

        await harness.Get<Intake.BatchIntakeService>().IngestAsync(batchId, CancellationToken.None);
        await harness.StartWorkerAsync(new FlippingCompleter());
        await harness.WaitForBatchAsync(batchId, TimeSpan.FromSeconds(90));

        // The message's span ends after the batch is closed (the message is deleted last): wait for it (up to 60 s).
        for (var i = 0; i < 1200 && !spans.Any(s => s.OperationName == "generate process"); i++)
            await Task.Delay(50);
        var intake = Assert.Single(spans, s => s.OperationName == "batch intake" && (string?)s.GetTagItem("lvm.batch_id") == batchId);
        var worker = Assert.Single(spans, s => s.OperationName == "generate process" && (string?)s.GetTagItem("lvm.batch_id") == batchId);
        Assert.Equal(intake.TraceId, worker.TraceId);
        Assert.Equal(intake.SpanId, worker.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, worker.Kind);
    }
}
