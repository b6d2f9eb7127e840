using LvmCloud.Core.Storage;
using LvmCloud.Vision.Training;
using static LvmCloud.Vision.Tests.Training.TinyLm;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class TransformerInnerLoopTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-inner-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Steps_0_to_n_in_one_call_equal_0_to_k_then_k_to_n_through_a_checkpoint_in_a_folder_store()
    {
        var train = Data(24, 3);
        var options = Options;
        double[] straight;
        Dictionary<string, float[]> straightWeights;
        using (var model = NewModel(7))
        using (var optimizer = TransformerOptimizer.Create(model, options))
        {
            var result = await new TransformerInnerLoop(model, optimizer, options).RunAsync(new InnerLoopRequest(train, new StepRange(0, 12)));
            straight = [.. result.StepLosses];
            straightWeights = Snapshot(model);
            Assert.Equal(12 * 2 * 4 * 15, result.Tokens); // steps x micro-batches x rows x predicted tokens
            Assert.Equal(straight[^1], result.FinalLoss);
        }

        var store = new CheckpointStore(new FolderStore(Path.Combine(_root, "checkpoint")));
        var checkpointed = new List<int>();
        double[] first;
        using (var model = NewModel(7))
        using (var optimizer = TransformerOptimizer.Create(model, options))
        {
            var loop = new TransformerInnerLoop(model, optimizer, options with { CheckpointEvery = 2 });
            var result = await loop.RunAsync(new InnerLoopRequest(train, new StepRange(0, 5))
            {
                OnCheckpoint = async (step, ct) =>
                {
                    checkpointed.Add(step.Step);
                    await store.SaveAsync(model, model.Config.Save, optimizer, new TrainingState(step.Step, options.Seed, "test", step.Loss), cancellationToken: ct);
                },
            });
            first = [.. result.StepLosses];
        }
        Assert.Equal([2, 4, 5], checkpointed);

        // Another model with other weights and a fresh optimizer: everything must come back from the store.
        using (var model = NewModel(99))
        using (var optimizer = TransformerOptimizer.Create(model, options))
        {
            var state = await store.ReadStateAsync();
            Assert.Equal(5, state!.Step);
            await store.RestoreAsync(state, model, optimizer);
            var second = await new TransformerInnerLoop(model, optimizer, options).RunAsync(new InnerLoopRequest(train, new StepRange(state.Step, 12)));
            Assert.Equal(straight, first.Concat(second.StepLosses));
            Assert.Equal(straightWeights, Snapshot(model));
        }
    }

    [Fact]
    public async Task Callbacks_see_every_step_and_evaluations_when_due_and_at_the_end_when_asked()
    {
        var options = Options with { EvalEvery = 3 };
        using var model = NewModel(4);
        using var optimizer = TransformerOptimizer.Create(model, options);
        var seen = new List<InnerLoopStep>();
        var result = await new TransformerInnerLoop(model, optimizer, options).RunAsync(new InnerLoopRequest(Data(16, 1), new StepRange(2, 7))
        {
            Eval = Data(8, 2),
            EvaluateAtEnd = true,
            OnStep = (step, _) => { seen.Add(step); return Task.CompletedTask; },
        });
        Assert.Equal([3, 4, 5, 6, 7], seen.Select(s => s.Step));
        Assert.Equal([3, 6, 7], seen.Where(s => s.EvalLoss is not null).Select(s => s.Step));
        Assert.Equal(seen[^1].EvalLoss, result.EvalLoss);
        Assert.All(seen, s => Assert.True(s.Applied && s.Tokens == 2 * 4 * 15));
        Assert.Equal(options.PeakLr, seen[0].LearningRate, 12); // schedule step 2 is the first after the 2 warmup steps
        Assert.True(seen[^1].LearningRate < options.PeakLr);
        Assert.Equal(new StepRange(2, 7), result.Steps);
    }
}
