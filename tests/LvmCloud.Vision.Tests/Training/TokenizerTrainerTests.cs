using LvmCloud.Core.Training;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class TokenizerTrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-vqtrain-").FullName;

    public TokenizerTrainerTests()
    {
        // Tensors that earlier tests dropped without disposing are finalized now, not in the middle of a run.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>16x16 images of axis-aligned bright rectangles on dark backgrounds: simple, varied structure.</summary>
    private static ImageSet Images(int count, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[count * 3 * 16 * 16];
        for (int i = 0; i < count; i++)
        {
            int x0 = rng.Next(0, 10), y0 = rng.Next(0, 10), w = rng.Next(3, 7), h = rng.Next(3, 7);
            byte r = (byte)rng.Next(128, 256), g = (byte)rng.Next(0, 256), b = (byte)rng.Next(0, 128);
            for (int y = y0; y < y0 + h; y++)
                for (int x = x0; x < x0 + w; x++)
                {
                    px[((i * 3 + 0) * 16 + y) * 16 + x] = r;
                    px[((i * 3 + 1) * 16 + y) * 16 + x] = g;
                    px[((i * 3 + 2) * 16 + y) * 16 + x] = b;
                }
        }
        return new ImageSet(px, count, 16, 16);
    }

    private static TokenizerTrainingOptions Options(int? stop = null) => new(
        Steps: 8, BatchSize: 8, PeakLr: 2e-3, WarmupSteps: 1, RestartEvery: 4, Seed: 3, EvalEvery: 4,
        CheckpointEvery: 2, LogEvery: 1, EvalImages: 16, StopAfterStep: stop);

    [Fact]
    public void Training_improves_reconstruction_and_restarts_dead_codes()
    {
        manual_seed(1);
        using var model = new VqganModel(VqganPresets.Tiny);
        var eval = Images(16, 2);
        var before = TokenizerTrainer.Evaluate(model, eval, 16);
        var options = Options() with { Steps = 40, PeakLr = 1e-3, EvalEvery = 40, CheckpointEvery = 40, RestartEvery = 5 };
        new TokenizerTrainer(model, options, Path.Combine(_root, "run")).Train(Images(64, 1), eval);
        var after = TokenizerTrainer.Evaluate(model, eval, 16);
        Assert.True(after.Psnr > before.Psnr + 2, $"PSNR {before.Psnr:F2} -> {after.Psnr:F2}");
        var restarted = TrainingLog.Read(Path.Combine(_root, "run", "loss.csv"))["restarted"];
        Assert.Contains(restarted, p => p.Value > 0);
    }

    [Fact]
    public void Killed_tokenizer_run_resumes_from_its_checkpoint_with_weights_optimizer_and_log_intact()
    {
        var train = Images(32, 4);
        var eval = Images(8, 5);
        string run = Path.Combine(_root, "run");
        Dictionary<string, float[]> saved;
        manual_seed(11);
        using (var model = new VqganModel(VqganPresets.Tiny))
        {
            Assert.Equal(4, new TokenizerTrainer(model, Options(stop: 4), run).Train(train, eval).EndStep);
            saved = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        }
        Assert.Equal(4, TrainingCheckpoint.ReadState(run)!.Step);

        // A new process builds the model with other weights; the checkpoint must bring back the saved ones exactly.
        manual_seed(12);
        using (var model = new VqganModel(VqganPresets.Tiny))
        using (var optimizer = optim.Adam(model.parameters(), 1e-3))
        {
            TrainingCheckpoint.Restore(run, model, optimizer);
            foreach (var (name, t) in model.state_dict())
                Assert.Equal(saved[name], t.data<float>().ToArray());
        }
        manual_seed(12);
        using (var model = new VqganModel(VqganPresets.Tiny))
        {
            var second = new TokenizerTrainer(model, Options(), run).Train(train, eval);
            Assert.Equal(4, second.StartStep);
            Assert.Equal(8, second.EndStep);
        }
        var steps = TrainingLog.Read(Path.Combine(run, "loss.csv"))["train_loss"].Select(p => p.Step).ToList();
        Assert.Equal(Enumerable.Range(1, 8), steps);
    }
}
