using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Models;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using SixLabors.ImageSharp;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// DiLoCo runs end to end on Azurite: the training API's function classes, a worker host with the real
/// <c>train-shard</c> handler on the tiny model, the merge, the registered model, and a batch on that model.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingRunTests(AzuriteFixture azurite)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Two_shards_by_two_rounds_complete_merge_once_per_round_register_a_model_and_a_batch_on_it_completes()
    {
        await using var harness = await TrainingHarness.CreateAsync(azurite, "run", overrides: new() { ["Training:ProgressInterval"] = "00:00:00.100" });
        await harness.RegisterTinyModelAsync();
        var train = new[]
        {
            await harness.UploadTokensAsync("shard-00000.bin", 24, 1),
            await harness.UploadTokensAsync("shard-00001.bin", 24, 2),
        };
        var eval = await harness.UploadTokensAsync("eval.bin", 8, 3);
        var output = new ModelReference("tiny-diloco", "1");
        var api = harness.Api;
        var logs = new LogCapture();

        var runId = await harness.PostRunAsync(TrainingTestData.Spec(train, [eval], output, rounds: 2, shards: 2, innerSteps: 6, checkpointEvery: 2));

        await harness.StartWorkerAsync(logs);
        await harness.WaitForFinishedAsync(runId, TimeSpan.FromSeconds(120));

        // One merge per round, each committed once by its claim; the files of every round are where the layout says.
        var merges = logs.Messages("LvmCloud.Worker.Training.RoundMerger").Where(m => m.Contains("merged from 2 shards")).ToList();
        Assert.Equal(2, merges.Count);
        Assert.Contains(merges, m => m.Contains("round 0 merged"));
        Assert.Contains(merges, m => m.Contains("round 1 merged"));
        for (var r = 0; r < 2; r++)
        {
            var record = harness.Clients.Training.GetBlobClient(TrainingLayout.MergeRecordPath(runId, r));
            Assert.True((await record.GetPropertiesAsync()).Value.Metadata.ContainsKey("mergeclaim"));
            for (var k = 0; k < 2; k++)
                Assert.True(await harness.Clients.Training.GetBlobClient(TrainingLayout.ShardPrefix(runId, r, k) + TrainingLayout.ShardResultFileName).ExistsAsync());
        }
        Assert.True(await harness.Clients.Training.GetBlobClient(TrainingLayout.BasePrefix(runId, 2) + TrainingLayout.MomentumFileName).ExistsAsync());
        Assert.True(await harness.Clients.Training.GetBlobClient(TrainingLayout.StatePath(runId)).ExistsAsync());

        // The status: every round merged with its losses and time split, every shard job run once.
        var statusRequest = HttpCalls.Request("GET", $"/api/training/{runId}");
        var statusAnswer = await HttpCalls.ExecuteAsync(await api.TrainingStatus.Run(statusRequest, runId, CancellationToken.None), statusRequest);
        var status = JsonSerializer.Deserialize<TrainingRunStatus>(statusAnswer.Text, Web)!;
        Assert.Equal((RunStates.Finished, 1.0, 2 * 2 * 6L), (status.State, status.Progress, status.StepsDone));
        Assert.Equal(2, status.History.Count);
        Assert.All(status.History, r =>
        {
            Assert.Equal(RoundStates.Merged, r.State);
            Assert.Equal(2, r.ShardsSucceeded);
            Assert.True(r.TrainLoss is > 0 && r.EvalLoss is > 0, $"round {r.Round}: {r.TrainLoss} {r.EvalLoss}");
            Assert.True(r.Drift is > 0 and < 100, $"round {r.Round}: two shards on different files drift apart, measured {r.Drift}");
            Assert.Equal(2 * 6 * 4 * 31L, r.Tokens); // shards x steps x rows x predicted tokens
            Assert.True(r.Seconds.Inner > 0 && r.Seconds.Jobs >= r.Seconds.Inner && r.Seconds.Merge > 0 && r.Seconds.Overhead is >= 0 and <= 1);
        });
        var rounds = await harness.TrainingState.GetRoundsAsync(runId, CancellationToken.None);
        foreach (var round in rounds)
            Assert.All(await harness.TrainingState.GetShardsAsync(runId, round.Round, CancellationToken.None), s => Assert.Equal((ShardStates.Succeeded, 1), (s.State, s.Deliveries)));
        var plot = HttpCalls.Request("GET", $"/api/training/{runId}/loss.png");
        var png = await HttpCalls.ExecuteAsync(await api.TrainingLossPlot.Run(plot, runId, CancellationToken.None), plot);
        Assert.Equal(("image/png", 800), (png.ContentType, Image.Load(png.Body).Width));

        // The registered model: listed with how it was trained, its card and figures served.
        var list = HttpCalls.Request("GET", "/api/models");
        var listed = JsonSerializer.Deserialize<ModelList>((await HttpCalls.ExecuteAsync(await api.ListModels.Run(list, CancellationToken.None), list)).Text, Web)!;
        var model = Assert.Single(listed.Models, m => m.Name == output.Name && m.Version == output.Version);
        Assert.Equal(runId, model.Training!.RunId);
        Assert.Equal(2, model.Training.History.Count);
        Assert.Contains("README.md", model.Files.Keys);
        Assert.Contains("loss.png", model.Files.Keys);
        var cardRequest = HttpCalls.Request("GET", model.Files["README.md"].AbsolutePath);
        var card = await HttpCalls.ExecuteAsync(await api.ModelFile.Run(cardRequest, output.Name, output.Version, "README.md", CancellationToken.None), cardRequest);
        Assert.Contains("## How it was trained", card.Text);
        Assert.Contains("| shards per round (K) | 2 |", card.Text);

        // A batch on the trained model completes with it; one naming no registered model is refused.
        var refusedRequest = HttpCalls.Request("POST", "/api/batches", JsonSerializer.Serialize(new { files = new[] { "inputs/a.png" }, model = new { name = "no-such", version = "9" } }));
        var refused = await HttpCalls.ExecuteAsync(await api.Create.Run(refusedRequest, CancellationToken.None), refusedRequest);
        Assert.Equal(400, refused.Status);
        Assert.Contains("no-such/9 is not a registered model", refused.Text);

        var create = HttpCalls.Request("POST", "/api/batches", JsonSerializer.Serialize(new { files = new[] { "inputs/a.png" }, model = new { name = output.Name, version = output.Version } }));
        var created = await HttpCalls.ExecuteAsync(await api.Create.Run(create, CancellationToken.None), create);
        Assert.True(created.Status == 201, created.Text);
        var grant = JsonSerializer.Deserialize<BatchUploadGrant>(created.Text, Web)!;
        Assert.Equal(output.ToString(), grant.Model);
        await new BlobClient(grant.Uploads["inputs/a.png"]).UploadAsync(BinaryData.FromBytes(TestImages.Png(16, 16, 9)));
        await new BlobClient(grant.Uploads[StorageLayout.ManifestFileName]).UploadAsync(BinaryData.FromString("{\"id\": \"a\", \"input\": [\"a.png\"]}\n"));
        await api.ManifestUploaded.Run(harness.Clients.Batches.GetBlobClient(StorageLayout.ManifestPath(grant.BatchId)), grant.BatchId, CancellationToken.None);
        var batch = await harness.Platform.WaitForBatchAsync(grant.BatchId, TimeSpan.FromSeconds(60));
        var items = await harness.Platform.State.GetItemsAsync(grant.BatchId, CancellationToken.None);
        Assert.True(batch.ItemsSucceeded == 1, string.Join("; ", items.Select(i => $"{i.ItemId}: {i.Error}")));
        Assert.Equal((output.Name, output.Version), (batch.ModelName, batch.ModelVersion));
    }
}
