using System.CommandLine;
using LvmCloud.Cli.Data;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Training;

/// <summary>
/// <c>lvm train</c>: next-token training of the transformer on token shards; resumes from the run's checkpoint. The
/// training step is planned against the free memory (<see cref="MemoryPlanner.PlanTraining"/>) before the model is
/// built: a batch that cannot fit is refused with the numbers and exit code 4.
/// </summary>
public sealed class TrainCommand() : LvmCommand("train",
    "Train the transformer on token shards (next-token cross-entropy; resumes from the run folder's checkpoint).")
{
    private readonly Option<string[]> _tokens = new("--tokens") { Description = "Training shard(s), .bin or .jsonl.", Required = true, AllowMultipleArgumentsPerToken = true };
    private readonly Option<string?> _evalTokens = new("--eval-tokens") { Description = "Held-out shard for periodic evaluation." };
    private readonly Option<string> _out = new("--out") { Description = "Run folder (checkpoint/, loss.csv, loss.png).", Required = true };
    private readonly Option<string> _preset = new("--preset") { Description = "Transformer size (see `lvm models presets`).", DefaultValueFactory = _ => "fmnist_lm" };
    private readonly Option<string?> _config = new("--config") { Description = "A LlamaConfig config.json instead of a preset." };
    private readonly Option<int> _steps = new("--steps") { DefaultValueFactory = _ => 3000 };
    private readonly Option<int> _batch = new("--batch-size") { DefaultValueFactory = _ => 16 };
    private readonly Option<int> _accum = new("--grad-accum") { DefaultValueFactory = _ => 1 };
    private readonly Option<double> _lr = new("--lr") { DefaultValueFactory = _ => 1e-3 };
    private readonly Option<double> _endLr = new("--end-lr") { DefaultValueFactory = _ => 5e-5 };
    private readonly Option<int> _warmup = new("--warmup") { DefaultValueFactory = _ => 100 };
    private readonly Option<double> _weightDecay = new("--weight-decay") { Description = "AdamW decay of the Linear layers' weights (embeddings, norms and biases never decay).", DefaultValueFactory = _ => 0.05 };
    private readonly Option<int> _evalEvery = new("--eval-every") { DefaultValueFactory = _ => 250 };
    private readonly Option<int> _logEvery = new("--log-every") { Description = "Steps between loss.csv rows (evaluations and the last step always log).", DefaultValueFactory = _ => 10 };
    private readonly Option<int> _checkpointEvery = new("--checkpoint-every") { Description = "Steps between checkpoints (the last step always checkpoints).", DefaultValueFactory = _ => 100 };
    private readonly Option<int> _seed = new("--seed") { DefaultValueFactory = _ => 0 };
    private readonly Option<int> _threads = new("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };

    protected override void Configure(Command command)
    {
        foreach (var o in new Option[] { _tokens, _evalTokens, _out, _preset, _config, _steps, _batch, _accum, _lr, _endLr, _warmup, _weightDecay, _evalEvery, _logEvery, _checkpointEvery, _seed, _threads })
            command.Options.Add(o);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        set_num_threads(parse.GetValue(_threads));
        var config = parse.GetValue(_config) is { } configPath ? LlamaConfig.Load(configPath) : LlamaPresets.Get(parse.GetValue(_preset)!);
        var options = new TransformerTrainingOptions(
            Steps: parse.GetValue(_steps), BatchSize: parse.GetValue(_batch), GradientAccumulation: parse.GetValue(_accum),
            PeakLr: parse.GetValue(_lr), WarmupSteps: parse.GetValue(_warmup), EndLr: parse.GetValue(_endLr),
            WeightDecay: parse.GetValue(_weightDecay), Seed: parse.GetValue(_seed), EvalEvery: parse.GetValue(_evalEvery),
            CheckpointEvery: parse.GetValue(_checkpointEvery), LogEvery: parse.GetValue(_logEvery), EvalBatches: 8);
        options.Validate();
        var train = ShardSequences.Load(parse.GetValue(_tokens)!, config.VocabSize);
        var eval = parse.GetValue(_evalTokens) is { } evalPath ? ShardSequences.Load([evalPath], config.VocabSize) : null;
        if (train.Length > config.MaxPositionEmbeddings)
            throw new UserInputException($"Sentences have {train.Length} tokens; the model's context is {config.MaxPositionEmbeddings}.");
        string run = parse.GetValue(_out)!;
        console.Info($"{train.Count} training sentences of {train.Length} tokens; model {config.ParameterCount:N0} parameters");
        // Planned before the model is built: a step that cannot fit is refused (exit 4) instead of killed by the OOM killer.
        var plan = MemoryPlanner.PlanTraining(config, options.BatchSize, train.Length, MemoryBudget.Detect(CPU)).EnsureFits();
        console.Info($"memory: {plan.Describe()}");

        manual_seed(options.Seed);
        using var model = new LlamaForCausalLM(config);
        var trainer = new TransformerTrainer(model, options, run);
        var result = await console.WithProgressAsync("training transformer", options.Steps, progress =>
        {
            int resumedAt = -1;
            return trainer.TrainAsync(train, eval, step =>
            {
                if (resumedAt < 0) { resumedAt = step.Step - 1; progress.Advance(resumedAt); }
                progress.Advance(1, $"loss {step.Loss:F4}{(step.EvalLoss is { } e ? $", eval {e:F4}" : "")}");
            }, ct);
        });
        string plot = LossPlots.Write(run, "transformer loss", "train_loss", "eval_loss");
        string modelDir = TrainingCheckpoint.ModelDirectoryOf(run);
        if (console.JsonOutput)
            console.WriteJson(new { steps = result.EndStep, resumedFrom = result.StartStep, loss = double.IsFinite(result.FinalLoss) ? result.FinalLoss : (double?)null, evalLoss = result.FinalEvalLoss, model = modelDir, plot });
        else
            console.Info($"step {result.EndStep}: loss {result.FinalLoss:F4}{(result.FinalEvalLoss is { } e ? $", held-out {e:F4}" : "")}\nmodel: {modelDir}\ncurves: {plot}");
        return ExitCodes.Success;
    }
}
