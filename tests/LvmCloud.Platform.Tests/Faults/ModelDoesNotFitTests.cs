using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Memory;

namespace LvmCloud.Platform.Tests.Faults;

/// <summary>
/// A model whose memory plan does not fit the worker fails the items that need it on their first delivery, with the
/// reason code and the plan's numbers: no load is tried, no message is retried or poisoned.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelDoesNotFitTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-does-not-fit-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task A_model_that_does_not_fit_fails_its_items_at_once_with_the_code_and_the_numbers()
    {
        string models = Path.Combine(_temp.FullName, "models");
        TinyModel.Save(models, seed: 0, version: "1");
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Worker:ModelsDirectory"] = models,
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
            ["Worker:MaxDequeueCount"] = "5",
            ["Worker:Concurrency"] = "1",
            ["Worker:Device"] = "cpu",
            ["Worker:DType"] = "float32",
            ["Worker:MemoryLimitGb"] = "0.5",
        });
        var (batchId, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3, model: new ModelReference(TinyModel.Name, "1"));
        var (_, stats) = await harness.StartWorkerAsync();

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal((BatchStates.Finished, 3, 0), (batch.State, batch.ItemsFailed, batch.ItemsSucceeded));
        Assert.All(await harness.State.GetItemsAsync(batchId, CancellationToken.None), item =>
        {
            Assert.Equal(1, item.Attempts);
            Assert.Equal(MemoryPlan.ModelDoesNotFitCode, item.ErrorCode);
            Assert.Contains($"Model {TinyModel.Name}/1 does not fit this worker. The model does not fit in memory: the transformer in float32", item.Error);
            Assert.Contains("but 0.50 GB is free (Worker:MemoryLimitGb=0.5). Nothing was loaded.", item.Error);
        });
        Assert.Equal(0, stats.MessagesRetried);
        Assert.Equal(0, stats.MessagesPoisoned);
    }
}
