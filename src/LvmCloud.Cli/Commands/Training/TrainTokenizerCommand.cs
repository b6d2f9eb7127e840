using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Datasets;
using LvmCloud.Vision.Tokenizer;
using LvmCloud.Vision.Training;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>
/// <c>lvm train-tokenizer</c>: trains a VQGAN on a dataset folder's images; resumes from the run's checkpoint. Images
/// are read through <see cref="SentenceDataset"/>, each once; an unreadable one is left out and reported.
/// </summary>
public sealed class TrainTokenizerCommand() : LvmCommand("train-tokenizer",
    "Train the VQGAN tokenizer on the images of a dataset folder (resumes from the run folder's checkpoint).")
{
    private readonly Option<string> _data = new("--data") { Description = "Dataset folder (sentences.jsonl + images).", Required = true };
    private readonly Option<string?> _evalData = new("--eval-data") { Description = "Held-out dataset folder for PSNR and codebook usage." };
    private readonly Option<string> _out = new("--out") { Description = "Run folder (checkpoint/, loss.csv, loss.png).", Required = true };
    private readonly Option<string> _preset = new("--preset") { Description = "Tokenizer size (see `lvm models presets`).", DefaultValueFactory = _ => "fmnist32" };
    private readonly Option<int> _steps = new("--steps") { DefaultValueFactory = _ => 2000 };
    private readonly Option<int> _batch = new("--batch-size") { DefaultValueFactory = _ => 32 };
    private readonly Option<double> _lr = new("--lr") { DefaultValueFactory = _ => 1e-3 };
    private readonly Option<int> _warmup = new("--warmup") { DefaultValueFactory = _ => 50 };
    private readonly Option<int> _maxImages = new("--max-images") { Description = "Train on at most this many distinct images.", DefaultValueFactory = _ => 20000 };
    private readonly Option<int> _seed = new("--seed") { DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _init = new("--init") { Description = "Tokenizer folder (config.json + weights) to start from instead of random weights; its config must equal the preset's. Ignored when the run resumes from its own checkpoint." };
    private readonly Option<int> _threads = new("--threads") { Description = "CPU threads for TorchSharp (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _data, _evalData, _out, _preset, _steps, _batch, _lr, _warmup, _maxImages, _seed, _init, _threads }) command.Options.Add(o);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        set_num_threads(parse.GetValue(_threads));
        var config = VqganPresets.ByName(parse.GetValue(_preset)!);
        var options = new TokenizerTrainingOptions(
            Steps: parse.GetValue(_steps), BatchSize: parse.GetValue(_batch), PeakLr: parse.GetValue(_lr),
            WarmupSteps: parse.GetValue(_warmup), Seed: parse.GetValue(_seed), EvalEvery: 250, CheckpointEvery: 100, LogEvery: 10, EvalImages: 512);
        options.Validate();
        string run = parse.GetValue(_out)!;

        var rejected = new List<RejectedImage>();
        var train = await LoadImages(console, parse.GetValue(_data)!, config.Resolution, parse.GetValue(_maxImages), "train", rejected, ct);
        ImageSet? eval = parse.GetValue(_evalData) is { } evalDir ? await LoadImages(console, evalDir, config.Resolution, options.EvalImages, "held-out", rejected, ct) : null;

        manual_seed(options.Seed);
        using var model = new VqganModel(config);
        // A run with a checkpoint resumes from it; --init only gives a new run its first weights.
        if (parse.GetValue(_init) is { } init && TrainingCheckpoint.ReadState(run) is null) StartFrom(model, init);
        var trainer = new TokenizerTrainer(model, options, run);
        var result = await console.WithProgressAsync("training tokenizer", options.Steps, progress =>
        {
            int resumedAt = -1;
            var r = trainer.Train(train, eval, step =>
            {
                if (resumedAt < 0) { resumedAt = step.Step - 1; progress.Advance(resumedAt); }
                progress.Advance(1, $"loss {step.Loss:F4}{(step.Note is null ? "" : ", " + step.Note)}");
            }, ct);
            return Task.FromResult(r);
        });
        string plot = LossPlots.Write(run, "tokenizer loss", "train_loss", "recon", "eval_loss");
        var metrics = eval is null ? null : TokenizerTrainer.Evaluate(model, eval, options.EvalImages);
        string modelDir = TrainingCheckpoint.ModelDirectoryOf(run);
        if (console.JsonOutput)
            console.WriteJson(new { steps = result.EndStep, loss = result.FinalLoss, psnr = metrics?.Psnr, codebookUsage = metrics?.CodebookUsage, model = modelDir, plot, rejectedImages = SkipReport.Json(rejected) });
        else
            console.Info($"step {result.EndStep}: loss {result.FinalLoss:F4}" +
                (metrics is null ? "" : $", held-out PSNR {metrics.Psnr:F2} dB, codebook usage {metrics.CodebookUsage:P1} ({metrics.CodePerplexity:F0} effective codes)") +
                $"\nmodel: {modelDir}\ncurves: {plot}");
        return ExitCodes.Success;
    }

    /// <summary>Copies the weights of the tokenizer in <paramref name="folder"/> into <paramref name="model"/> (fine-tuning a trained tokenizer).</summary>
    private static void StartFrom(VqganModel model, string folder)
    {
        using var start = VqganTokenizer.Load(folder);
        // Records compare lists by reference, so the configs are compared as the JSON they are stored as.
        if (System.Text.Json.JsonSerializer.Serialize(start.Config) != System.Text.Json.JsonSerializer.Serialize(model.Config))
            throw new UserInputException($"--init {folder}: its config.json differs from --preset's; pass the preset it was trained with.");
        using var _ = no_grad();
        var source = start.Model.state_dict();
        foreach (var (name, target) in model.state_dict())
            target.copy_(source[name]);
    }

    /// <summary>The first <paramref name="max"/> distinct images of a dataset folder; bad images are left out and reported.</summary>
    private static async Task<ImageSet> LoadImages(CommandOutput console, string folder, int resolution, int max, string what, List<RejectedImage> rejected, CancellationToken ct)
    {
        var dataset = await DatasetFolder.OpenAsync(folder, ct);
        var paths = dataset.DistinctImages().Take(max).ToList();
        var gate = new object();
        var images = await console.WithProgressAsync($"loading {paths.Count} {what} images", paths.Count, progress =>
            dataset.LoadImagesAsync(paths, resolution, n => { lock (gate) progress.Advance(n); }, ct));
        SkipReport.Print(console, images.Rejected);
        rejected.AddRange(images.Rejected);
        if (images.Images.Count == 0) throw new InvalidDataException($"No {what} image of '{dataset.SentencesFile}' could be read.");
        return ImageSet.FromImages(images.Images);
    }
}
