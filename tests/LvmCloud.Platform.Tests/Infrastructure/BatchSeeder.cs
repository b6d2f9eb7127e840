using System.Text.Json;
using LvmCloud.Core.Manifests;
using LvmCloud.Platform.Intake;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Tests.Infrastructure;

/// <summary>
/// Puts a batch straight into the state intake leaves behind (inputs uploaded, rows written, messages queued),
/// for worker tests that should not depend on manifest parsing.
/// </summary>
internal static class BatchSeeder
{
    /// <param name="fields">More manifest fields of item i (<c>"n_new_frames": 3</c>), without braces.</param>
    public static async Task<(string BatchId, List<SeededJob> Messages)> SeedAsync(PlatformHarness harness, int items, int perMessage, Func<int, byte[]>? image = null, ModelReference? model = null, Func<int, string>? fields = null)
    {
        var clients = harness.Clients;
        var now = DateTimeOffset.UtcNow;
        var batchId = Identifiers.NewBatchId(now);
        var batch = BatchEntity.New(batchId, now);
        model ??= new ModelReference("tiny", "1");
        batch.ModelName = model.Name;
        batch.ModelVersion = model.Version;
        Assert.True(await harness.State.TryAddBatchAsync(batch, CancellationToken.None));

        var entities = new List<ItemEntity>();
        for (var i = 0; i < items; i++)
        {
            var id = $"item-{i:D3}";
            var path = $"p{i:D3}.png";
            await clients.Batches.GetBlobClient(StorageLayout.InputPath(batchId, path))
                .UploadAsync(BinaryData.FromBytes(image?.Invoke(i) ?? TestImages.Png(16, 8, (byte)i)));
            var entity = ItemEntity.New(batchId, id, i + 1);
            entity.InputsJson = JsonSerializer.Serialize(new[] { path });
            var extra = fields?.Invoke(i) is { Length: > 0 } more ? ", " + more : "";
            var parsed = BatchManifestParser.Parse($"{{\"id\": \"{id}\", \"input\": [\"{path}\"]{extra}}}");
            entity.ItemJson = ItemJson.Write(Assert.Single(parsed.Items));
            entities.Add(entity);
        }
        await harness.State.UpsertItemsAsync(entities, CancellationToken.None);

        batch.TotalItems = items;
        batch.ItemsQueued = items;
        batch.State = BatchStates.Planning;
        Assert.True(await harness.State.TryUpdateBatchAsync(batch, CancellationToken.None));

        var messages = new List<SeededJob>();
        var publisher = harness.Get<JobPublisher>();
        foreach (var (chunk, index) in entities.Chunk(perMessage).Select((c, i) => (c, i)))
        {
            var payload = new GeneratePayload(batchId, chunk.Select(e => e.ItemId).ToList(), model);
            var envelope = await publisher.EnqueueAsync(payload, $"{batchId}-g{index:D5}", CancellationToken.None);
            messages.Add(new SeededJob(envelope, payload));
        }

        batch.State = BatchStates.Queued;
        Assert.True(await harness.State.TryUpdateBatchAsync(batch, CancellationToken.None));
        return (batchId, messages);
    }
}

/// <summary>A message the seeder enqueued: its envelope and payload.</summary>
internal sealed record SeededJob(JobEnvelope Envelope, GeneratePayload Payload)
{
    public string JobId => Envelope.JobId;
    public IReadOnlyList<string> ItemIds => Payload.ItemIds;
    public string Text => JobCodec.Encode(Envelope);
}
