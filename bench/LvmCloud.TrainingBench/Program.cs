using System.Globalization;
using LvmCloud.Core.Tokens;
using LvmCloud.Local;
using LvmCloud.TrainingBench;
using LvmCloud.Vision.Native;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using LvmCloud.Worker.Training;

// DiLoCo against synchronous training on the same tokens (docs/training.md, "Benchmark: DiLoCo against synchronous
// training"): optionally a synchronous warm start of P steps that both continue from; then one trainer with K times the
// batch against DiLoCo runs through the platform on Azurite (K shards, every H and outer learning rate listed, each
// over the same total steps), eval loss and shard drift at every round, the time outside inner steps per round, and
// every eval curve in one PNG.
// Usage: dotnet run -c Release --project bench/LvmCloud.TrainingBench -- [--train-tokens FILE] [--eval-tokens FILE]
//   [--shards 4] [--rounds 12] [--inner-steps 25[,50,...]] [--batch-size 8] [--lr 2e-3] [--end-lr 1e-4] [--warmup 20]
//   [--outer-lr 0.7[,1.0,...]] [--momentum 0.9] [--warm-start-steps 0] [--warm-start-warmup N] [--warm-start-lr LR] [--eval-batches 60]
//   [--threads N] [--plot docs/diloco-vs-sync.png] [--storage CONNECTION_STRING] [--skip-sync]
//   [--compression none[,int8,int4]]   (outer.compression: what the shards send the merge, the first for every arm, each
//   further one an extra arm at the first H and outer lr; the tables show the bytes the merge read)
if (args.Contains("--step-throughput"))
    return await StepThroughput.RunAsync(args);
TorchRuntime.EnsureLoaded();
if (args.Contains("--step-child"))
    return await StepThroughput.RunChildAsync(args);
var settings = BenchSettings.Parse(args);
TorchSharp.torch.set_num_threads(settings.Threads);
var c = CultureInfo.InvariantCulture;
var root = FindRepoRoot();
settings = settings with { TrainTokens = Resolve(settings.TrainTokens), EvalTokens = Resolve(settings.EvalTokens) };
var rows = Load(settings.TrainTokens);
var eval = new TokenSequences(Load(settings.EvalTokens));
var arms = settings.Arms();
var split = DataSplit.Make(rows, settings.WarmStartSteps, settings.SyncBatchSize);
var train = new TokenSequences(split.Continuation);
Console.Error.WriteLine($"{rows.Count} training and {eval.Count} eval sentences of {train.Length} tokens; K={settings.Shards}, batch {settings.BatchSize} per shard, "
    + $"{settings.TotalSteps} steps per arm ({string.Join("; ", arms.Select(a => $"{a.Label}: R={a.Rounds}"))}), {settings.Threads} threads");

var temp = Directory.CreateTempSubdirectory("lvm-training-bench-");
try
{
    WarmStart? warm = null;
    if (settings.WarmStartSteps > 0)
    {
        Console.Error.WriteLine($"warm start: {settings.WarmStartSteps} synchronous steps, batch {settings.SyncBatchSize}, warmup {settings.WarmStartWarmup}, on the first {split.PreTraining.Count} sentences; the comparison reads the other {split.Continuation.Count}...");
        warm = await WarmStart.PretrainAsync(settings, new TokenSequences(split.PreTraining), eval, Path.Combine(root, "models", "fmnist-lvm"), Path.Combine(temp.FullName, "warm-start"));
    }
    var continuationFile = Path.Combine(temp.FullName, "continuation.bin");
    split.WriteContinuation(continuationFile);

    List<RoundPoint> sync = [];
    var syncWall = TimeSpan.Zero;
    if (!settings.SkipSync)
    {
        Console.Error.WriteLine($"synchronous: one trainer, batch {settings.SyncBatchSize}, {settings.TotalSteps} steps, eval every {settings.SyncEvalEvery}...");
        using var model = warm is not null
            ? LlamaForCausalLM.FromPretrained(warm.TransformerFolder)
            : TransformerSource.Initial(LlamaPresets.Get(settings.Preset), settings.Seed, TorchSharp.torch.CPU);
        (sync, syncWall) = await SyncBaseline.RunAsync(model, settings.SyncOptions(settings.TotalSteps, settings.WarmupSteps, settings.LearningRate), settings.BatchSize, train, eval,
            settings.SyncEvalEvery, "sync");
    }

    using var azurite = settings.Storage is null ? await AzuriteProcess.StartAsync(root) : null;
    var results = new List<ArmResult>();
    foreach (var arm in arms)
    {
        Console.Error.WriteLine($"{arm.Label}: {arm.Rounds} rounds of {settings.Shards} train-shard jobs x {arm.InnerSteps} steps on the platform...");
        var (status, wall) = await DiLoCoRun.RunAsync(settings, arm, continuationFile, warm, settings.Storage ?? azurite!.ConnectionString, root);
        results.Add(ArmResult.From(arm, status, wall));
    }

    Console.WriteLine(string.Create(c, $"DiLoCo K={settings.Shards} (batch {settings.BatchSize} each, outer momentum {settings.OuterMomentum}, Nesterov) against synchronous training (batch {settings.SyncBatchSize}), {settings.Preset}, {train.Count} sentences of {train.Length} tokens, {settings.TotalSteps} steps (lr {settings.LearningRate} -> {settings.EndLearningRate}, warmup {settings.WarmupSteps}), {settings.Threads} threads"));
    if (warm is not null)
        Console.WriteLine(string.Create(c, $"Both continue from a warm start: {settings.WarmStartSteps} synchronous steps at batch {settings.SyncBatchSize} (lr {settings.WarmStartLearningRate} -> {settings.EndLearningRate}, warmup {settings.WarmStartWarmup}) on the first {split.PreTraining.Count} sentences, eval loss {warm.EvalLoss:F4}; the comparison trains on the other {split.Continuation.Count}."));
    BenchReport.Print(results, sync, settings, syncWall, warm?.EvalLoss);

    var plot = Path.IsPathRooted(settings.Plot) ? settings.Plot : Path.Combine(root, settings.Plot);
    BenchReport.SavePlot(plot, results, sync, settings, warm?.EvalLoss);
    Console.Error.WriteLine($"curves: {plot}");
    return 0;
}
finally
{
    temp.Delete(recursive: true);
}

string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.Combine(root, path);

static List<int[]> Load(string path)
{
    if (!File.Exists(path))
        throw new FileNotFoundException($"Token shard '{path}' not found: make it as docs/training.md says (lvm dataset-fashion-mnist, then lvm tokenize-dataset).");
    return TokenShardReader.Read(path).Select(r => r.ToArray()).ToList();
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "LvmCloud.sln")))
            return dir.FullName;
    throw new InvalidOperationException("LvmCloud.sln not found above the benchmark's binaries.");
}
