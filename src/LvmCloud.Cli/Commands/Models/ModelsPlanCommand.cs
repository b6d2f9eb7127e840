using System.CommandLine;
using System.Globalization;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;
using LvmCloud.Vision.Devices;
using LvmCloud.Vision.Memory;
using LvmCloud.Vision.Pipelines;
using static TorchSharp.torch;

namespace LvmCloud.Cli.Commands.Models;

/// <summary>
/// <c>lvm models plan DIR [--device] [--dtype] [--rows N] [--json]</c>: the memory plan of a model folder (or of a
/// transformer folder alone), from configs and headers only: what the weights, the VQGAN and each generation row
/// cost, what is free and where that number came from, the dtype chosen and why, and the rows that fit. Exits with
/// <see cref="ExitCodes.ModelDoesNotFit"/> when <c>--rows</c> rows do not fit.
/// </summary>
public sealed class ModelsPlanCommand() : LvmCommand("plan", "The memory plan of a model folder, from its configs and headers alone: bytes per dtype, KV cache per row, free memory, the dtype chosen and the rows that fit.")
{
    /// <summary>The dtypes whose weight bytes the plan lists.</summary>
    public static IReadOnlyList<ScalarType> CandidateDTypes { get; } = [ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16];

    private readonly Argument<string> _directory = new("directory") { Description = "A model folder (tokenizer/, transformer/, lvm.json) or a transformer folder (config.json + weights)." };
    private readonly Option<int> _rows = new("--rows") { Description = "Generation rows (items x candidates) to check at the full context.", DefaultValueFactory = _ => 1 };
    private readonly PlacementOptions _placement = new(transformerDType: true);

    protected override void Configure(Command command)
    {
        command.Arguments.Add(_directory);
        command.Options.Add(_rows);
        _placement.AddTo(command);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CommandOutput console, CancellationToken cancellationToken)
    {
        string directory = parse.GetValue(_directory)!;
        int rows = parse.GetValue(_rows);
        if (rows < 1) throw new UserInputException($"--rows must be at least 1, got {rows}.");
        if (!Directory.Exists(directory)) throw new UserInputException($"Model folder '{directory}' does not exist.");
        var placement = _placement.Resolve(parse);
        var plan = Directory.Exists(Path.Combine(directory, LvmModel.TransformerFolder))
            ? placement.PlanModel(directory)
            : placement.PlanTransformer(directory);
        var document = MemoryPlanDocument.Of(plan, rows);
        if (console.JsonOutput)
            console.WriteJson(document);
        else
            Print(console, plan, document);
        if (document.Fits)
            return Task.FromResult(ExitCodes.Success);
        console.Error(MemoryPlanner.Refusal(plan, rows));
        return Task.FromResult(ExitCodes.ModelDoesNotFit);
    }

    private static void Print(CommandOutput console, MemoryPlan plan, MemoryPlanDocument d)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<(string, string)>
        {
            ("parameters", d.Parameters.ToString("N0", c)),
            ("stored dtype", d.StoredDtype),
        };
        lines.AddRange(CandidateDTypes.Select(t => ($"transformer in {WeightDType.NameOf(t)}", ByteSize.Gb(plan.Transformer.WeightBytes(t)))));
        if (plan.Tokenizer is not null)
        {
            lines.Add(("VQGAN (float32)", ByteSize.Gb(plan.TokenizerBytes)));
            lines.Add(($"VQGAN batch of {plan.Tokenizer.BatchImages} images", ByteSize.Gb(plan.TokenizerWorkingBytes)));
        }
        lines.Add(($"KV cache per row ({d.SequenceLength} tokens, {d.Dtype})", ByteSize.Gb(d.KvCacheBytesPerRow)));
        lines.Add(("activations per row (prefill)", ByteSize.Gb(d.ActivationBytesPerRow)));
        lines.Add(("runtime overhead", ByteSize.Gb(d.RuntimeOverheadBytes)));
        lines.Add(("free", d.FreeBytes is { } free ? $"{ByteSize.Gb(free)} ({d.FreeSource})" : d.FreeSource));
        lines.Add(("choice", plan.Describe()));
        lines.Add(($"needed for {d.Rows} row{(d.Rows == 1 ? "" : "s")}", ByteSize.Gb(d.RequiredBytes)));
        lines.Add(("rows that fit", d.MaxRows?.ToString(c) ?? "not capped (free memory unknown)"));
        foreach (var (name, value) in lines)
            console.WriteLine($"{name + ":",-42} {value}");
    }
}
