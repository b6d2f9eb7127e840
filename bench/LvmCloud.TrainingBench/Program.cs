using System.Globalization;
using LvmCloud.Core.Plotting;
using LvmCloud.Core.Tokens;
using LvmCloud.Local;
using LvmCloud.TrainingBench;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Training;

// DiLoCo against synchronous training on the same tokens (docs/training.md, "Benchmark: DiLoCo against synchronous
// training"): K shards x H inner steps per round through the platform on Azurite, against one trainer with K times the
// batch for the same number of steps, both from the same initial weights and schedule; eval loss at every round, the
// time outside inner steps per round, and both loss curves in one PNG.
// Usage: dotnet run -c Release --project bench/LvmCloud.TrainingBench -- [--train-tokens FILE] [--eval-tokens FILE]
//   [--shards 4] [--rounds 12] [--inner-steps 25] [--batch-size 8] [--lr 2e-3] [--warmup 20] [--outer-lr 0.7] [--momentum 0.9]
//   [--eval-batches 60] [--threads N] [--plot docs/diloco-vs-sync.png] [--storage CONNECTION_STRING] [--skip-sync]
//   [--compression none|int8|int4]   (outer.compression: what the shards send the merge; the table shows the bytes it read)
TorchRuntime.EnsureLoaded();
var settings = BenchSettings.Parse(args);
TorchSharp.torch.set_num_threads(settings.Threads);
var c = CultureInfo.InvariantCulture;
var root = FindRepoRoot();
settings = settings with { TrainTokens = Resolve(settings.TrainTokens), EvalTokens = Resolve(settings.EvalTokens) };
var train = Load(settings.TrainTokens);
var eval = Load(settings.EvalTokens);
Console.Error.WriteLine($"{train.Count} training and {eval.Count} eval sentences of {train.Length} tokens; K={settings.Shards}, H={settings.InnerSteps}, R={settings.Rounds}, batch {settings.BatchSize} per shard, {settings.Threads} threads");

List<RoundPoint> sync = [];
var syncWall = TimeSpan.Zero;
if (!settings.SkipSync)
{
    Console.Error.WriteLine($"synchronous: one trainer, batch {settings.BatchSize * settings.Shards}, {settings.TotalSteps} steps...");
    (sync, syncWall) = await SyncBaseline.RunAsync(settings, train, eval);
}

Console.Error.WriteLine($"DiLoCo: {settings.Rounds} rounds of {settings.Shards} train-shard jobs x {settings.InnerSteps} steps on the platform, outer gradients {settings.Compression}...");
using var azurite = settings.Storage is null ? await AzuriteProcess.StartAsync(root) : null;
var (status, dilocoWall) = await DiLoCoRun.RunAsync(settings, settings.Storage ?? azurite!.ConnectionString, root);
long tokens = 0;
var diloco = status.History.Select(r => new RoundPoint(r.Round, (r.Round + 1) * settings.InnerSteps, tokens += r.Tokens, r.TrainLoss ?? double.NaN, r.EvalLoss, r.ShardBytesRead)).ToList();

Console.WriteLine(string.Create(c, $"DiLoCo K={settings.Shards} (batch {settings.BatchSize} each, H={settings.InnerSteps}, outer lr {settings.OuterLearningRate}, momentum {settings.OuterMomentum}, Nesterov, outer gradients {settings.Compression}) against synchronous training (batch {settings.BatchSize * settings.Shards}), {settings.Preset}, {train.Count} sentences of {train.Length} tokens, {settings.TotalSteps} steps, {settings.Threads} threads"));
Console.WriteLine();
Console.WriteLine("| round | tokens | DiLoCo train | sync train | DiLoCo eval | sync eval | eval gap | bytes the merge read |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var d in diloco)
{
    var s = sync.FirstOrDefault(p => p.Steps == d.Steps);
    Console.WriteLine(string.Create(c, $"| {d.Round} | {d.Tokens:N0} | {d.TrainLoss:F4} | {s?.TrainLoss:F4} | {d.EvalLoss:F4} | {s?.EvalLoss:F4} | {Gap(d.EvalLoss, s?.EvalLoss)} | {d.ShardBytesRead:N0} |"));
}
Console.WriteLine();
Console.WriteLine("Per round, on one worker (the K jobs run one after another): where the round's wall time went.");
Console.WriteLine();
Console.WriteLine("| round | wall s | inner steps s | transfers s | merge s | eval s | queue wait s (summed) | outside inner steps and eval |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in status.History)
{
    var wall = r.Seconds.Wall ?? 0;
    var outside = wall > 0 ? (wall - r.Seconds.Inner - r.Seconds.Eval) / wall : double.NaN;
    Console.WriteLine(string.Create(c, $"| {r.Round} | {wall:F1} | {r.Seconds.Inner:F1} | {r.Seconds.Transfers:F1} | {r.Seconds.Merge:F1} | {r.Seconds.Eval:F1} | {r.Seconds.QueueWait:F1} | {outside:P1} |"));
}
var totalWall = status.History.Sum(r => r.Seconds.Wall ?? 0);
var totalInner = status.History.Sum(r => r.Seconds.Inner);
var totalEval = status.History.Sum(r => r.Seconds.Eval);
var overhead = (totalWall - totalInner - totalEval) / totalWall;
Console.WriteLine();
Console.WriteLine(string.Create(c, $"time outside inner steps (downloads, uploads, checkpoints, merge, queue wait; evaluation not counted), all rounds: {overhead:P1} of {totalWall:F0} s (target: under 10 %); evaluation {totalEval / totalWall:P1}"));
if (diloco.Count > 0 && diloco.All(d => d.ShardBytesRead is not null))
    Console.WriteLine(string.Create(c, $"bytes per round on the wire to the merge ({settings.Compression}): {diloco.Average(d => d.ShardBytesRead!.Value) / 1e6:F2} MB from {settings.Shards} shards ({diloco.Average(d => d.ShardBytesRead!.Value) / settings.Shards / 1e6:F2} MB a shard)"));
Console.WriteLine(string.Create(c, $"wall: DiLoCo {dilocoWall.TotalSeconds:F0} s through the platform, synchronous {syncWall.TotalSeconds:F0} s in-process"));
if (sync.Count > 0 && diloco[^1].EvalLoss is { } last && sync[^1].EvalLoss is { } reference)
    Console.WriteLine(string.Create(c, $"final eval loss after {diloco[^1].Tokens:N0} tokens: DiLoCo {last:F4}, synchronous {reference:F4}: {Gap(last, reference)} (target: within 2 %, {(last <= reference * 1.02 ? "met" : "missed")})"));

var series = new List<PlotSeries>
{
    new($"DiLoCo K={settings.Shards} eval", diloco.Where(p => p.EvalLoss is not null).Select(p => ((double)p.Steps, p.EvalLoss!.Value)).ToList(), LinePlot.Palette[0]),
    new($"DiLoCo K={settings.Shards} train", diloco.Select(p => ((double)p.Steps, p.TrainLoss)).ToList(), LinePlot.Palette[2]),
};
if (sync.Count > 0)
{
    series.Add(new($"sync batch x{settings.Shards} eval", sync.Where(p => p.EvalLoss is not null).Select(p => ((double)p.Steps, p.EvalLoss!.Value)).ToList(), LinePlot.Palette[1]));
    series.Add(new($"sync batch x{settings.Shards} train", sync.Select(p => ((double)p.Steps, p.TrainLoss)).ToList(), LinePlot.Palette[3]));
}
var plot = Path.IsPathRooted(settings.Plot) ? settings.Plot : Path.Combine(root, settings.Plot);
LinePlot.SavePng(plot, string.Create(c, $"DiLoCo K={settings.Shards} H={settings.InnerSteps}{(settings.Compression == "none" ? "" : $" ({settings.Compression} outer gradients)")} vs synchronous: loss over inner steps"), series, logY: false, width: 800, height: 480);
Console.Error.WriteLine($"curves: {plot}");
return 0;

static string Gap(double? value, double? reference) =>
    value is { } v && reference is { } r && r > 0 ? ((v - r) / r).ToString("+0.00 %;-0.00 %", CultureInfo.InvariantCulture) : "";

string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.Combine(root, path);

static TokenSequences Load(string path)
{
    if (!File.Exists(path))
        throw new FileNotFoundException($"Token shard '{path}' not found: make it as docs/training.md says (lvm dataset-fashion-mnist, then lvm tokenize-dataset).");
    return new TokenSequences(TokenShardReader.Read(path).Select(r => r.ToArray()).ToList());
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "LvmCloud.sln")))
            return dir.FullName;
    throw new InvalidOperationException("LvmCloud.sln not found above the benchmark's binaries.");
}
