using LvmCloud.Core.Training;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class TransformerTrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-train-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TokenSequences Data(int count, int seed) => TinyLm.Data(count, seed);

    private static LlamaForCausalLM NewModel(int seed) => TinyLm.NewModel(seed);

    private static TransformerTrainingOptions Options(int? stopAfter = null) => new(
        Steps: 12, BatchSize: 4, GradientAccumulation: 2, PeakLr: 3e-3, WarmupSteps: 2, EndLr: 1e-4,
        Seed: 5, EvalEvery: 6, CheckpointEvery: 3, LogEvery: 1, EvalBatches: 2, StopAfterStep: stopAfter);

    [Fact]
    public void Training_lowers_the_loss_on_a_learnable_rule()
    {
        using var model = NewModel(1);
        var options = Options() with { Steps = 40, WarmupSteps = 4, StopAfterStep = null, EvalEvery = 40, CheckpointEvery = 40 };
        var result = new TransformerTrainer(model, options, Path.Combine(_root, "run")).Train(Data(64, 1), Data(16, 2));
        Assert.True(result.StepLosses[^1] < result.StepLosses[0] * 0.6, $"loss {result.StepLosses[0]} -> {result.StepLosses[^1]}");
        Assert.NotNull(result.FinalEvalLoss);
    }

    [Fact]
    public void Killed_and_resumed_run_continues_the_same_loss_curve()
    {
        var train = Data(32, 3);
        var eval = Data(8, 4);
        string straight = Path.Combine(_root, "straight"), resumed = Path.Combine(_root, "resumed");

        using (var model = NewModel(7))
            new TransformerTrainer(model, Options(), straight).Train(train, eval);

        using (var model = NewModel(7))
            Assert.Equal(6, new TransformerTrainer(model, Options(stopAfter: 6), resumed).Train(train, eval).EndStep);
        // A fresh process would build the model with other random weights: the checkpoint must restore everything.
        using (var model = NewModel(99))
        {
            var second = new TransformerTrainer(model, Options(), resumed).Train(train, eval);
            Assert.Equal(6, second.StartStep);
        }

        var a = TrainingLog.Read(Path.Combine(straight, "loss.csv"))["train_loss"];
        var b = TrainingLog.Read(Path.Combine(resumed, "loss.csv"))["train_loss"];
        Assert.Equal(a.Select(p => p.Step), b.Select(p => p.Step));
        for (int i = 0; i < a.Count; i++)
            Assert.True(Math.Abs(a[i].Value - b[i].Value) < 1e-5, $"step {a[i].Step}: {a[i].Value} vs {b[i].Value}");
        Assert.Equal(12, TrainingCheckpoint.ReadState(resumed)!.Step);
    }

    [Fact]
    public void Checkpointed_model_folder_loads_as_a_model()
    {
        string run = Path.Combine(_root, "run");
        using (var model = NewModel(2))
            new TransformerTrainer(model, Options() with { Steps = 3, WarmupSteps = 1 }, run).Train(Data(8, 5), null);
        string modelDir = TrainingCheckpoint.ModelDirectoryOf(run);
        var config = LlamaConfig.Load(Path.Combine(modelDir, "config.json"));
        Assert.Equal(TinyLm.Config.HiddenSize, config.HiddenSize);
        using var loaded = new LlamaForCausalLM(config);
        LvmCloud.Vision.Checkpoints.CheckpointLoader.LoadInto(loaded, modelDir);
    }

    [Fact]
    public void Schedule_warms_up_then_decays_to_the_end_rate()
    {
        var s = new LearningRateSchedule(1e-3, 10, 110, 1e-5);
        Assert.Equal(1e-4, s.At(0), 12);
        Assert.Equal(1e-3, s.At(9), 12);
        Assert.True(s.At(60) < 1e-3 && s.At(60) > 1e-5);
        Assert.Equal(1e-5, s.At(110), 12);
    }
}
