using LvmCloud.Core.Training;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class TokenizerTrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-vqtrain-").FullName;

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
        var options = Options() with { Steps = 30, EvalEvery = 30, CheckpointEvery = 30, RestartEvery = 5 };
        new TokenizerTrainer(model, options, Path.Combine(_root, "run")).Train(Images(64, 1), eval);
        var after = TokenizerTrainer.Evaluate(model, eval, 16);
        Assert.True(after.Psnr > before.Psnr + 3, $"PSNR {before.Psnr:F2} -> {after.Psnr:F2}");
        var restarted = TrainingLog.Read(Path.Combine(_root, "run", "loss.csv"))["restarted"];
        Assert.Contains(restarted, p => p.Value > 0);
    }

    [Fact]
    public void Killed_and_resumed_tokenizer_run_continues_the_same_loss_curve()
    {
        var train = Images(32, 4);
        var eval = Images(8, 5);
        string straight = Path.Combine(_root, "a"), resumed = Path.Combine(_root, "b");
        manual_seed(11);
        using (var model = new VqganModel(VqganPresets.Tiny))
            new TokenizerTrainer(model, Options(), straight).Train(train, eval);
        manual_seed(11);
        using (var model = new VqganModel(VqganPresets.Tiny))
            new TokenizerTrainer(model, Options(stop: 4), resumed).Train(train, eval);
        manual_seed(12);
        using (var model = new VqganModel(VqganPresets.Tiny))
            Assert.Equal(4, new TokenizerTrainer(model, Options(), resumed).Train(train, eval).StartStep);

        var a = TrainingLog.Read(Path.Combine(straight, "loss.csv"))["train_loss"];
        var b = TrainingLog.Read(Path.Combine(resumed, "loss.csv"))["train_loss"];
        Assert.Equal(a.Select(p => p.Step), b.Select(p => p.Step));
        for (int i = 0; i < a.Count; i++)
            Assert.True(Math.Abs(a[i].Value - b[i].Value) < 1e-4, $"step {a[i].Step}: {a[i].Value} vs {b[i].Value}");
    }
}
