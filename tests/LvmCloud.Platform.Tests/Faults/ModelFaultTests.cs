using LvmCloud.Platform.Queues;
using LvmCloud.Platform.State;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker.Completion;
using static TorchSharp.torch;

namespace LvmCloud.Platform.Tests.Faults;

/// <summary>
/// A worker whose model cannot be used fails the work that needs it, with a reason, and goes on serving the rest: a
/// model folder whose weights file is truncated fails its batch on the first delivery naming the file, while a batch
/// on another model completes on the same worker; an item the model runs out of memory on fails alone.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ModelFaultTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-model-faults-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Models => Path.Combine(_temp.FullName, "models");

    [Theory]
    [InlineData("transformer")]
    [InlineData("tokenizer")]
    public async Task A_model_whose_safetensors_is_truncated_fails_its_batch_once_naming_the_file_and_the_worker_serves_other_models(string part)
    {
        TinyModel.Save(Models, seed: 0, version: "1");
        var broken = TinyModel.Save(Models, seed: 1, version: "2");
        var weights = Assert.Single(Directory.GetFiles(Path.Combine(broken, part), "*.safetensors"));
        using (var file = File.OpenWrite(weights))
            file.SetLength(file.Length * 2 / 3); // a copy or an upload that stopped two thirds of the way
        await using var harness = await PlatformHarness.CreateAsync(azurite, new()
        {
            ["Worker:ModelsDirectory"] = Models,
            ["Worker:ModelCacheDirectory"] = Path.Combine(_temp.FullName, "cache"),
            ["Worker:MaxDequeueCount"] = "5",
            ["Worker:Concurrency"] = "1",
        });
        var (bad, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3, model: new ModelReference(TinyModel.Name, "2"));
        var (good, _) = await BatchSeeder.SeedAsync(harness, items: 3, perMessage: 3, model: new ModelReference(TinyModel.Name, "1"));
        var (_, stats) = await harness.StartWorkerAsync();

        var badBatch = await harness.WaitForBatchAsync(bad, Timeout);
        var goodBatch = await harness.WaitForBatchAsync(good, Timeout);

        Assert.Equal((BatchStates.Finished, 3, 0), (badBatch.State, badBatch.ItemsFailed, badBatch.ItemsSucceeded));
        Assert.All(await harness.State.GetItemsAsync(bad, CancellationToken.None), item =>
        {
            Assert.Equal(1, item.Attempts); // never retried: the files will not get better
            Assert.Contains("Permanent error", item.Error);
            Assert.Contains(Path.GetFileName(weights), item.Error);
            Assert.Contains($"{TinyModel.Name}/2", item.Error);
        });
        Assert.Equal((BatchStates.Finished, 3), (goodBatch.State, goodBatch.ItemsSucceeded));
        Assert.Equal(0, stats.MessagesRetried);
        Assert.Equal((1, 0), (stats.MessagesFailed, stats.MessagesPoisoned)); // failed for good: recorded, deleted
    }

    [Fact]
    public async Task An_item_the_model_runs_out_of_memory_on_fails_alone_with_the_reason_and_the_rest_of_its_message_completes()
    {
        var folder = TinyModel.Save(Models);
        await using var harness = await PlatformHarness.CreateAsync(azurite, new() { ["Worker:Concurrency"] = "1" });
        var (batchId, messages) = await BatchSeeder.SeedAsync(harness, items: 6, perMessage: 3);
        var hungry = messages[0].ItemIds[1];
        using var model = LvmModel.Load(folder);
        var source = new HungrySource(new CompletionPipeline(model), hungry);
        var (_, stats) = await harness.StartWorkerAsync(source);

        var batch = await harness.WaitForBatchAsync(batchId, Timeout);

        Assert.Equal((BatchStates.Finished, 5, 1), (batch.State, batch.ItemsSucceeded, batch.ItemsFailed));
        var items = (await harness.State.GetItemsAsync(batchId, CancellationToken.None)).ToDictionary(i => i.ItemId);
        var failed = items[hungry];
        Assert.Equal((ItemStates.Failed, OutOfMemory.ErrorCode, 1), (failed.State, failed.ErrorCode, failed.Attempts));
        Assert.Contains("ran out of memory on this item alone", failed.Error);
        Assert.Contains("allocate", failed.Error); // libtorch's own words
        Assert.All(items.Values.Where(i => i.ItemId != hungry), i => Assert.Equal((ItemStates.Succeeded, 1), (i.State, i.Attempts)));
        Assert.Equal(0, stats.MessagesRetried);
        Assert.Equal(0, stats.MessagesPoisoned);
        Assert.True(source.Calls >= 3, $"the message's items were not run again in smaller batches ({source.Calls} calls)");
    }

    /// <summary>
    /// The real pipeline, except that a batch holding <c>hungry</c> first asks libtorch for 64 TiB. A real
    /// out-of-memory cannot be caused safely on a machine shared with other builds (the kernel would kill whatever it
    /// picks); an allocation no machine can serve fails inside libtorch's allocator at once, with the same error a
    /// large item meets, so the worker sees the real exception from TorchSharp.
    /// </summary>
    private sealed class HungrySource(CompletionPipeline inner, string hungry) : IModelSource, IFrameCompleter
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int Resolution => inner.Resolution;

        public Task<IFrameCompleter> OpenAsync(ModelReference model, CancellationToken cancellationToken) => Task.FromResult<IFrameCompleter>(this);

        public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (items.Any(i => i.Item.Id == hungry))
                using (empty([1L << 44], ScalarType.Float32)) { }
            return inner.Complete(items, cancellationToken);
        }
    }
}
