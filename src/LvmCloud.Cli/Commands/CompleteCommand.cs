using System.CommandLine;
using LvmCloud.Cli.Batches;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Manifests;
using LvmCloud.Vision.Pipelines;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands;

/// <summary><c>lvm complete</c>: bulk completion of a batch manifest, in process, with the bundled model by default.</summary>
public sealed class CompleteCommand() : LvmCommand("complete",
    "Complete every item of a batch manifest locally: frames, contact sheets, results.jsonl and gallery.html.")
{
    /// <summary>The model that ships with the CLI (copied beside the executable at build time).</summary>
    public const string BundledModelName = "fmnist-lvm";

    private readonly Argument<string> _manifest = new("manifest") { Description = "Batch manifest (JSON Lines); images are read from inputs/ beside it." };
    private readonly Option<string> _out = new("--out") { Description = "Output folder.", Required = true };
    private readonly Option<string?> _model = new("--model") { Description = $"Model folder (tokenizer/, transformer/, lvm.json); default: the bundled '{BundledModelName}'." };
    private readonly Option<string?> _images = new("--images") { Description = "Folder the manifest's image paths are relative to (default: inputs/ beside the manifest)." };
    private readonly Option<int> _batch = new("--batch-items") { Description = "Items decoded together.", DefaultValueFactory = _ => 16 };
    private readonly Option<int> _threads = new("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly PlacementOptions _placement = new(transformerDType: true);

    protected override void Configure(Command command)
    {
        command.Arguments.Add(_manifest);
        foreach (var o in new Option[] { _out, _model, _images, _batch, _threads }) command.Options.Add(o);
        _placement.AddTo(command);
    }

    /// <summary>"; up to 3 rows per generation batch at the full context (memory plan)" when memory caps the rows below --batch-items.</summary>
    private static string RowsNote(LvmModel model, int batchItems) =>
        model.Plan is { Known: true } plan && plan.MaxRows(plan.SequenceLength) < batchItems
            ? $"; up to {plan.MaxRows(plan.SequenceLength)} rows per generation batch at the full context of {plan.SequenceLength} tokens (memory plan)"
            : "";

    public static string DefaultModelDirectory()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "models", BundledModelName);
        return Directory.Exists(beside) ? beside : Path.Combine("models", BundledModelName);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken ct)
    {
        set_num_threads(Math.Max(1, parse.GetValue(_threads)));
        string manifest = parse.GetValue(_manifest)!;
        if (!File.Exists(manifest)) throw new UserInputException($"Manifest '{manifest}' not found.");
        string images = parse.GetValue(_images) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifest))!, "inputs");
        if (!Directory.Exists(images)) throw new UserInputException($"Images folder '{images}' not found (use --images to point at it).");
        int batchItems = parse.GetValue(_batch);
        if (batchItems <= 0) throw new UserInputException("--batch-items must be positive.");
        string modelDir = parse.GetValue(_model) ?? DefaultModelDirectory();
        string outDir = parse.GetValue(_out)!;

        var placement = _placement.Resolve(parse);
        using var model = LvmModel.Load(modelDir, placement);
        console.Info($"model {model.Settings.Name} v{model.Settings.Version}: {model.Resolution}px, {model.TokensPerImage} tokens per image, " +
                     $"{model.Settings.ContextFrames} frames of context, on {model.Plan?.Describe() ?? placement.Describe(model.Transformer.DType)}" +
                     RowsNote(model, batchItems));
        if (model.DescribeLoad() is { } load)
            console.Info(load);
        // A manifest over the size limit is refused unread (one failed record), so it is not counted either.
        int lines = new FileInfo(manifest).Length > ManifestLimits.Default.MaxManifestBytes
            ? 1
            : File.ReadLines(manifest).Count(l => !string.IsNullOrWhiteSpace(l));
        var runner = new LocalBatchCompletion(new CompletionPipeline(model), batchItems);
        var summary = await console.WithProgressAsync("completing", lines, progress =>
            Task.FromResult(runner.Run(manifest, images, outDir, n => progress.Advance(n), ct)));

        if (console.JsonOutput)
            console.WriteJson(new
            {
                succeeded = summary.Succeeded,
                failed = summary.Failed,
                cancelled = summary.Cancelled,
                results = summary.ResultsPath,
                gallery = summary.GalleryPath,
                seconds = summary.Elapsed.TotalSeconds,
            });
        else
        {
            console.Table("batch summary", ["succeeded", "failed", "cancelled", "seconds", "items/s"],
                [[summary.Succeeded.ToString(), summary.Failed.ToString(), summary.Cancelled.ToString(),
                  summary.Elapsed.TotalSeconds.ToString("F1"), (summary.Results.Count / Math.Max(summary.Elapsed.TotalSeconds, 1e-9)).ToString("F2")]]);
            foreach (var failed in summary.Results.Where(r => r.Status != Core.Results.ResultStatus.Succeeded).Take(10))
                console.Info($"  {failed.Id}: {failed.Status.ToString().ToLowerInvariant()} — {failed.Error}");
            console.Info($"results: {summary.ResultsPath}\ngallery: {summary.GalleryPath}");
        }
        return summary.Failed > 0 ? ExitCodes.SomeItemsFailed : summary.Cancelled > 0 ? ExitCodes.Cancelled : ExitCodes.Success;
    }
}
