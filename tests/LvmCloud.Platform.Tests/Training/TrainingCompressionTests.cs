using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// <c>outer.compression</c> end to end on Azurite: an int8 run's shards upload compressed outer gradients that the
/// merge reads instead of their weights, and its merged weights stay within the codec's bound of the same run without
/// compression, which writes no delta file.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingCompressionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_int8_run_merges_its_shards_deltas_within_the_codec_bound_of_the_lossless_run_and_reads_fewer_bytes()
    {
        await using var harness = await TrainingHarness.CreateAsync(azurite, "compress");
        await harness.RegisterTinyModelAsync();
        var train = new[]
        {
            await harness.UploadTokensAsync("shard-00000.bin", 16, 1),
            await harness.UploadTokensAsync("shard-00001.bin", 16, 2),
        };
        var eval = await harness.UploadTokensAsync("eval.bin", 8, 3);
        var outer = new OuterOptimizerSpec(LearningRate: 0.7, Momentum: 0.9, Nesterov: true);
        Task<string> StartAsync(string compression) => harness.StartRunAsync(TrainingTestData.Spec(train, [eval],
            new ModelReference($"tiny-{compression}", "1"), rounds: 2, shards: 2, innerSteps: 4, checkpointEvery: 2,
            outer: outer with { Compression = compression }));
        var lossless = await StartAsync("none");
        var int8 = await StartAsync("int8");
        await harness.StartWorkerAsync();
        foreach (var runId in new[] { lossless, int8 })
            await harness.WaitForFinishedAsync(runId, TimeSpan.FromSeconds(180));
        Assert.True(await harness.Clients.Models.GetBlobClient("tiny-int8/1/lvm.json").ExistsAsync(), "the int8 run registered no model");

        // The int8 shards wrote their deltas before result.json, which names each with its size; the lossless run wrote none.
        var name = OuterGradientCodec.FileName(OuterGradientPrecision.Int8);
        for (var r = 0; r < 2; r++)
            for (var k = 0; k < 2; k++)
            {
                var folder = harness.ShardFolder(int8, r, k);
                var result = await harness.ReadShardResultAsync(int8, r, k);
                var file = await folder.GetInfoAsync(name);
                Assert.NotNull(file);
                Assert.Equal((name, file.Length), (result.Delta, result.DeltaBytes));
                Assert.True(await new BlobStore(harness.Clients.Training, TrainingLayout.ShardPrefix(int8, r, k) + TrainingLayout.CheckpointFolder).ExistsAsync(CheckpointStore.StateFile),
                    "the checkpoint (the next round's AdamW state) is still written");
                var plain = await harness.ReadShardResultAsync(lossless, r, k);
                Assert.Equal((null, null), (plain.Delta, plain.DeltaBytes));
            }
        await foreach (var file in new BlobStore(harness.Clients.Training, TrainingLayout.RunPrefix(lossless)).ListAsync())
            Assert.DoesNotContain("/delta.", file.Path);

        // The merges counted what they read: the deltas' bytes, well under the float32 weight files' bytes.
        var state = harness.TrainingState;
        var (plainRounds, int8Rounds) = (await state.GetRoundsAsync(lossless, CancellationToken.None), await state.GetRoundsAsync(int8, CancellationToken.None));
        for (var r = 0; r < 2; r++)
        {
            long deltas = 0;
            for (var k = 0; k < 2; k++)
                deltas += (await harness.ShardFolder(int8, r, k).GetInfoAsync(name))!.Length;
            Assert.Equal(deltas, int8Rounds[r].ShardBytesRead);
            Assert.True(plainRounds[r].ShardBytesRead > 2 * deltas, $"round {r}: lossless read {plainRounds[r].ShardBytesRead} bytes, int8 {deltas}");
        }
        var status = await harness.Runs.GetStatusAsync(int8, CancellationToken.None);
        Assert.All(status.History, h => Assert.Equal(int8Rounds[h.Round].ShardBytesRead, h.ShardBytesRead));

        // Round 0's shards trained the same in both runs, so after its merge the bases differ only by the quantization:
        // θ_next = θ_base − lr·(1 + μ)·mean_k δ̂_k at the first round, and |δ̂_k − δ_k| ≤ scale_k / 2 per element, so per
        // tensor they are at most lr·(1 + μ)·max_k scale_k / 2 apart (plus each side's rounding to float32).
        using var exact = await harness.LoadBaseAsync(lossless, 1);
        using var compressed = await harness.LoadBaseAsync(int8, 1);
        var scales = new List<Dictionary<string, Tensor>>();
        for (var k = 0; k < 2; k++)
        {
            var local = Path.Combine(harness.Temp, $"delta-{k}.safetensors");
            await harness.ShardFolder(int8, 0, k).DownloadFileAsync(name, local);
            scales.Add(Safetensors.LoadStateDict(local));
        }
        var largest = 0f;
        var exactWeights = OuterStep.Parameters(exact).ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (tensorName, parameter) in OuterStep.Parameters(compressed))
        {
            var maxScale = scales.Max(s => s[tensorName + ".scale"].max().item<float>());
            var float32Rounding = 2 * MathF.Pow(2, -23) * exactWeights[tensorName].abs().max().item<float>();
            var bound = outer.LearningRate * (1 + outer.Momentum) * maxScale / 2 + float32Rounding;
            var difference = (parameter - exactWeights[tensorName]).abs().max().item<float>();
            Assert.True(difference <= bound, $"{tensorName}: the int8 run's weights are {difference} from the lossless run's, more than the bound {bound}");
            largest = Math.Max(largest, difference);
        }
        Assert.True(largest > 0, "the int8 run merged exactly the lossless weights: its merge did not read the deltas");
        foreach (var t in scales.SelectMany(s => s.Values)) t.Dispose();

        // A job resumed from its checkpoint has no copy of the base it started from: it loads round r's base again and
        // writes the same delta, byte for byte.
        var (transformers, definition) = await harness.WorkerViewAsync(int8); // a worker's services, no consumers
        var shardFolder = harness.ShardFolder(int8, 1, 0);
        var written = await TrainingHarness.ReadBytesAsync(shardFolder, name);
        var shardResult = await harness.ReadShardResultAsync(int8, 1, 0);
        using (var trained = TransformerSource.Blank(await transformers.ConfigAsync(definition, CancellationToken.None), CPU))
        {
            await transformers.LoadShardWeightsAsync(int8, 1, 0, shardResult.Checkpoint, trained, CancellationToken.None);
            var (again, bytes) = await new ShardDeltaFiles(transformers, int8, 1, 0).WriteAsync(definition, null, trained, OuterGradientPrecision.Int8, CancellationToken.None);
            Assert.Equal((name, written.LongLength), (again, bytes));
        }
        Assert.Equal(written, await TrainingHarness.ReadBytesAsync(shardFolder, name));
    }
}
