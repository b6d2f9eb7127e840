using System.Diagnostics;
using LvmCloud.Core.Training;
using LvmCloud.Vision.Tokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>Reconstruction quality and codebook health of a tokenizer on held-out images.</summary>
/// <param name="Psnr">Mean per-image PSNR (dB) of clamped reconstructions against the inputs.</param>
/// <param name="CodebookUsage">Fraction of codebook entries used at least once on the images.</param>
/// <param name="CodePerplexity">exp(entropy) of the code histogram: the effective number of codes in use.</param>
public sealed record TokenizerMetrics(double Psnr, double CodebookUsage, double CodePerplexity, double L1);

/// <summary>
/// Trains the VQGAN: L1 and/or L2 reconstruction + codebook + commitment (β from the config, 0.25 in LVM),
/// straight-through gradients, Adam with warmup + cosine decay, dead-code restart against collapse,
/// checkpoints that a killed run resumes from on the same loss curve.
/// </summary>
public sealed class TokenizerTrainer(VqganModel model, TokenizerTrainingOptions options, string runDirectory)
{
    public const string Kind = "tokenizer";

    public TrainingResult Train(ImageSet train, ImageSet? eval, Action<TrainingStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Directory.CreateDirectory(runDirectory);
        var device = model.Quantizer.Codebook.device;
        var schedule = new LearningRateSchedule(options.PeakLr, options.WarmupSteps, options.Steps, options.EndLr);
        var order = new DataOrder(train.Count, options.Seed);
        using var optimizer = optim.Adam(model.parameters(), options.PeakLr, 0.9, 0.99);
        int start = 0;
        var saved = TrainingCheckpoint.ReadState(runDirectory);
        if (saved is not null)
        {
            if (saved.Kind != Kind) throw new InvalidOperationException($"'{runDirectory}' holds a {saved.Kind} run, not a {Kind} run.");
            TrainingCheckpoint.Restore(runDirectory, model, optimizer);
            start = saved.Step;
        }
        string[] extra = ["recon", "codebook", "commit", "psnr", "usage", "restarted"];
        var log = new TrainingLog(Path.Combine(runDirectory, "loss.csv"), extra);
        log.Open(start);
        int end = Math.Min(options.Steps, options.StopAfterStep ?? options.Steps);
        long codes = model.Config.NumEmbeddings;
        var usedSinceRestart = new bool[codes];
        var losses = new List<double>();
        double last = double.NaN;
        double? lastEval = null;
        var clock = Stopwatch.StartNew();
        long pixelsSinceLog = 0;
        model.train();
        for (int step = start; step < end; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double lr = schedule.At(step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            optimizer.zero_grad();
            double recon, codebookLoss, commitLoss, total;
            int restarted = 0;
            using (var scope = NewDisposeScope())
            {
                var images = train.Batch(order.Batch(step, 0, 1, options.BatchSize), device);
                var (reconstruction, cb, commit, batchCodes) = model.ForwardWithLosses(images);
                var reconLoss = zeros(1, device: device).squeeze();
                if (options.L1Weight > 0) reconLoss = reconLoss + options.L1Weight * (reconstruction - images).abs().mean();
                if (options.L2Weight > 0) reconLoss = reconLoss + options.L2Weight * (reconstruction - images).square().mean();
                var loss = reconLoss + cb + commit;
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                recon = reconLoss.item<float>(); codebookLoss = cb.item<float>(); commitLoss = commit.item<float>(); total = loss.item<float>();
                if (!double.IsFinite(total))
                    throw new InvalidOperationException($"Tokenizer training diverged at step {step + 1}: reconstruction {recon}, codebook {codebookLoss}, commitment {commitLoss}. Lower the learning rate.");
                foreach (long c in batchCodes.reshape(-1).cpu().data<long>()) usedSinceRestart[c] = true;
                if (options.RestartEvery > 0 && (step + 1) % options.RestartEvery == 0)
                {
                    restarted = RestartDeadCodes(images, usedSinceRestart, options.Seed * 7919 + step);
                    Array.Clear(usedSinceRestart);
                }
                pixelsSinceLog += images.shape[0];
            }
            losses.Add(total);
            last = total;
            int done = step + 1;
            TokenizerMetrics? metrics = null;
            if (eval is not null && options.EvalEvery > 0 && (done % options.EvalEvery == 0 || done == options.Steps))
            {
                metrics = Evaluate(model, eval, options.EvalImages);
                lastEval = metrics.L1;
                model.train();
            }
            if (done % options.LogEvery == 0 || metrics is not null || done == end || restarted > 0)
            {
                double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                var values = new Dictionary<string, double> { ["recon"] = recon, ["codebook"] = codebookLoss, ["commit"] = commitLoss, ["restarted"] = restarted };
                if (metrics is not null) { values["psnr"] = metrics.Psnr; values["usage"] = metrics.CodebookUsage; }
                log.Append(new TrainingLogRow(done, lr, total, metrics?.L1, pixelsSinceLog / seconds, values));
                clock.Restart();
                pixelsSinceLog = 0;
            }
            if (done % options.CheckpointEvery == 0 || done == end)
                TrainingCheckpoint.Save(runDirectory, model, model.Config.Save, optimizer, new TrainingState(done, options.Seed, Kind, total));
            onStep?.Invoke(new TrainingStep(done, options.Steps, total, lr, metrics?.L1,
                metrics is null ? null : $"psnr {metrics.Psnr:F1} dB, usage {metrics.CodebookUsage:P0}"));
        }
        model.eval();
        return new TrainingResult(start, end, last, lastEval, losses);
    }

    /// <summary>Re-seeds every code unused since the last restart with a random encoder output of this batch (plus small noise).</summary>
    private int RestartDeadCodes(Tensor images, bool[] used, int seed)
    {
        var dead = Enumerable.Range(0, used.Length).Where(i => !used[i]).Select(i => (long)i).ToArray();
        if (dead.Length == 0) return 0;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var latents = model.EncoderLatents(images); // (B, D, h, w)
        var flat = latents.permute(0, 2, 3, 1).reshape(-1, latents.shape[1]); // (B*h*w, D)
        var generator = new Generator((ulong)seed, device: flat.device);
        var pick = randint(0, flat.shape[0], [dead.Length], generator: generator, device: flat.device);
        var noise = randn([dead.Length, flat.shape[1]], generator: generator, device: flat.device) * 0.01f;
        var replacement = flat.index_select(0, pick) + noise;
        model.Quantizer.Codebook.index_copy_(0, tensor(dead, device: flat.device), replacement);
        return dead.Length;
    }

    /// <summary>PSNR, L1 and codebook usage on the first <paramref name="maxImages"/> held-out images, without autograd.</summary>
    public static TokenizerMetrics Evaluate(VqganModel model, ImageSet eval, int maxImages, int batchSize = 64)
    {
        bool wasTraining = model.training;
        model.eval();
        using var _ = no_grad();
        var device = model.Quantizer.Codebook.device;
        int n = Math.Min(maxImages, eval.Count);
        var histogram = new long[model.Config.NumEmbeddings];
        double psnrSum = 0, l1Sum = 0;
        for (int first = 0; first < n; first += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = Enumerable.Range(first, Math.Min(batchSize, n - first)).ToArray();
            var images = eval.Batch(idx, device);
            var (quantized, codes) = model.Encode(images);
            var recon = model.Decode(quantized).clamp(0, 1);
            var mse = (recon - images).square().mean([1, 2, 3]);
            psnrSum += (10 * (1 / mse.clamp_min(1e-10)).log10()).sum().item<float>();
            l1Sum += (recon - images).abs().mean([1, 2, 3]).sum().item<float>();
            foreach (long c in codes.reshape(-1).cpu().data<long>()) histogram[c]++;
        }
        if (wasTraining) model.train();
        long total = histogram.Sum();
        double entropy = histogram.Where(h => h > 0).Sum(h => -(double)h / total * Math.Log((double)h / total));
        return new TokenizerMetrics(psnrSum / n, histogram.Count(h => h > 0) / (double)histogram.Length, Math.Exp(entropy), l1Sum / n);
    }
}
