using System.Runtime.InteropServices;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// A warm-started run (<c>base: {"model": ...}</c>, what the DiLoCo benchmark's warm start registers) resumes from the
/// registered model's weights exactly: every round-0 shard job opens its model where <c>train-shard</c> does
/// (<see cref="ShardCheckpoints.OpenModelAsync"/>, no checkpoint yet), and each tensor equals the registered transformer's
/// file bit for bit, through the models container, the worker's model cache and the run's plan.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TrainingWarmStartTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_run_fine_tuning_a_registered_model_starts_every_round_0_shard_from_that_model_s_weights_bit_for_bit()
    {
        await using var harness = await TrainingHarness.CreateAsync(azurite, "warm");
        // Another seed than the preset's draw for the run's seed: a start from fresh weights could not pass by chance.
        var saved = await harness.RegisterTinyModelAsync(seed: 7);
        var train = await harness.UploadTokensAsync("shard-00000.bin", 16, 1);
        var spec = TrainingTestData.Spec([train], null, new ModelReference("tiny-warm", "1"), rounds: 2, shards: 2, innerSteps: 3, checkpointEvery: 3);
        Assert.NotNull(spec.Base!.Model);
        var runId = await harness.StartRunAsync(spec);

        var (transformers, run) = await harness.WorkerViewAsync(runId);
        var config = await transformers.ConfigAsync(run, CancellationToken.None);
        var registered = Safetensors.LoadStateDict(Path.Combine(saved, LvmModel.TransformerFolder, "model.safetensors"));
        try
        {
            for (var shard = 0; shard < spec.ShardsPerRound; shard++)
            {
                var checkpoints = new ShardCheckpoints(transformers, runId, 0, shard);
                Assert.Null(await checkpoints.ReadSavedAsync(CancellationToken.None));
                using var model = await checkpoints.OpenModelAsync(run, config, null, CancellationToken.None);
                var weights = model.state_dict();
                Assert.Equal(registered.Keys.Order(), weights.Keys.Order());
                foreach (var (name, expected) in registered)
                {
                    Assert.Equal(ScalarType.Float32, weights[name].dtype);
                    Assert.Equal(expected.shape, weights[name].shape);
                    Assert.True(SameBits(expected, weights[name]), $"shard {shard}: '{name}' differs from the registered model's");
                }
            }
            // The preset drawn with the run's seed is another set of weights: the check above can tell them apart.
            using var fresh = TransformerSource.Initial(config, spec.Seed, CPU);
            Assert.Contains(fresh.state_dict(), kv => !SameBits(kv.Value, registered[kv.Key]));
        }
        finally
        {
            foreach (var t in registered.Values) t.Dispose();
        }
    }

    /// <summary>The two float32 tensors hold the same bytes (NaN and −0 included).</summary>
    private static bool SameBits(Tensor a, Tensor b) =>
        MemoryMarshal.AsBytes(a.data<float>().ToArray().AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.data<float>().ToArray().AsSpan()));
}
