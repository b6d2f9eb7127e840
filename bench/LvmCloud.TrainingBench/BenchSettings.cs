using System.Globalization;
using LvmCloud.Vision.Training;

namespace LvmCloud.TrainingBench;

/// <summary>
/// What the benchmark trains: one data set, one continuation schedule of <see cref="TotalSteps"/> steps, DiLoCo's K, the
/// H values, outer learning rates and compressions to compare (one DiLoCo arm per setting, see <see cref="Arms"/>), the
/// synchronous run's K-times batch, and an
/// optional synchronous warm start of <see cref="WarmStartSteps"/> steps that both continue from.
/// </summary>
/// <param name="Rounds">Rounds of the first H listed; the total steps R·H₁ are the same for every arm (R = total / H).</param>
/// <param name="InnerSteps">The first H listed.</param>
/// <param name="OuterLearningRate">The first outer learning rate listed.</param>
/// <param name="InnerStepsSweep">Every H to run (<c>--inner-steps 50,100</c>).</param>
/// <param name="OuterLearningRates">Every outer learning rate to run (<c>--outer-lr 0.7,1.0,0.5</c>).</param>
/// <param name="WarmStartSteps">Synchronous pre-training steps before the comparison (0: both start from the preset's initial weights).</param>
/// <param name="WarmStartWarmup">Warmup steps of the pre-training's own schedule.</param>
/// <param name="WarmStartLearningRate">Peak learning rate of the pre-training (it decays to <paramref name="EndLearningRate"/>, as the comparison's does).</param>
/// <param name="Compressions">
/// <c>--compression none,int8,int4</c>: the first value is what every H × outer-lr arm sends the merge; each further value
/// adds one arm at the first H and the first outer learning rate, so the compressed arms sit beside their lossless twin.
/// </param>
internal sealed record BenchSettings(
    string TrainTokens,
    string EvalTokens,
    string Preset,
    int Shards,
    int Rounds,
    int InnerSteps,
    int BatchSize,
    double LearningRate,
    double EndLearningRate,
    int WarmupSteps,
    double WeightDecay,
    double OuterLearningRate,
    double OuterMomentum,
    int EvalBatches,
    int Seed,
    int Threads,
    string Plot,
    string? Storage,
    bool SkipSync,
    IReadOnlyList<int> InnerStepsSweep,
    IReadOnlyList<double> OuterLearningRates,
    int WarmStartSteps,
    int WarmStartWarmup,
    double WarmStartLearningRate,
    IReadOnlyList<string> Compressions)
{
    /// <summary>What <c>--compression</c> may be: the run spec's <c>outer.compression</c> values.</summary>
    public static readonly IReadOnlyList<string> CompressionValues = ["none", "int8", "int4"];


    /// <summary>Steps of the comparison (after any warm start), the same for every arm and the synchronous run.</summary>
    public int TotalSteps => Rounds * InnerSteps;

    /// <summary>The synchronous trainer's batch: K times a shard's.</summary>
    public int SyncBatchSize => BatchSize * Shards;

    /// <summary>
    /// The DiLoCo runs to make, each over <see cref="TotalSteps"/>, one setting varied at a time around the first of each
    /// list: the first H with every outer learning rate, every further H with the first outer learning rate, then every
    /// further compression at the first H and outer learning rate (all others send the first compression listed).
    /// </summary>
    public IReadOnlyList<DiLoCoArm> Arms() =>
        OuterLearningRates.Select(lr => new DiLoCoArm(InnerSteps, Rounds, lr, Compressions[0]))
            .Concat(InnerStepsSweep.Skip(1).Select(h => new DiLoCoArm(h, TotalSteps / h, OuterLearningRate, Compressions[0])))
            .Concat(Compressions.Skip(1).Select(c => new DiLoCoArm(InnerSteps, Rounds, OuterLearningRate, c)))
            .ToList();

    /// <summary>Steps between the synchronous run's evaluations: every round boundary of every arm (the gcd of the H values).</summary>
    public int SyncEvalEvery => InnerStepsSweep.Aggregate(0, (a, h) => Gcd(a, h));

    /// <summary>The synchronous trainer's options for <paramref name="steps"/> steps with <paramref name="warmup"/> warmup steps to <paramref name="peak"/> (batch K·b).</summary>
    public TransformerTrainingOptions SyncOptions(int steps, int warmup, double peak) => new(
        Steps: steps, BatchSize: SyncBatchSize, PeakLr: peak, WarmupSteps: warmup, EndLr: EndLearningRate, WeightDecay: WeightDecay,
        Seed: Seed, EvalEvery: 0, CheckpointEvery: steps, LogEvery: 1, EvalBatches: EvalBatches);

    public static BenchSettings Parse(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        static string Compression(string value) => CompressionValues.Contains(value)
            ? value
            : throw new ArgumentException($"--compression takes one or more of {string.Join(", ", CompressionValues)}, comma-separated; got '{value}'.");
        double Double(string name, double fallback) => Arg(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        List<T> List<T>(string name, string fallback, Func<string, T> parse) =>
            (Arg(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToList();

        var innerSteps = List("--inner-steps", "25", v => int.Parse(v, CultureInfo.InvariantCulture));
        var outerRates = List("--outer-lr", "0.7", v => double.Parse(v, CultureInfo.InvariantCulture));
        var warmupSteps = Int("--warmup", 20);
        var warmStart = Int("--warm-start-steps", 0);
        var learningRate = Double("--lr", 2e-3);
        var settings = new BenchSettings(
            Arg("--train-tokens") ?? "data/fmnist-bench/train-tokens.bin",
            Arg("--eval-tokens") ?? "data/fmnist-bench/test-tokens.bin",
            Arg("--preset") ?? "fmnist_lm",
            Int("--shards", 4),
            Int("--rounds", 12),
            innerSteps.FirstOrDefault(),
            Int("--batch-size", 8),
            learningRate,
            Double("--end-lr", 1e-4),
            warmupSteps,
            Double("--weight-decay", 0.05),
            outerRates.FirstOrDefault(),
            Double("--momentum", 0.9),
            Int("--eval-batches", 60),
            Int("--seed", 0),
            Int("--threads", Environment.ProcessorCount),
            Arg("--plot") ?? "docs/diloco-vs-sync.png",
            Arg("--storage"),
            args.Contains("--skip-sync"),
            innerSteps,
            outerRates,
            warmStart,
            Int("--warm-start-warmup", Math.Min(warmupSteps, warmStart / 10)),
            Double("--warm-start-lr", learningRate),
            List("--compression", "none", Compression));
        settings.Validate();
        return settings;
    }

    /// <summary>Refuses settings that would make arms of different lengths or an invalid schedule, naming the flag.</summary>
    private void Validate()
    {
        if (InnerStepsSweep.Count == 0 || InnerStepsSweep.Any(h => h <= 0))
            throw new ArgumentException("--inner-steps needs one or more positive H values, comma-separated (e.g. 50,100).");
        if (OuterLearningRates.Count == 0 || OuterLearningRates.Any(lr => lr <= 0 || !double.IsFinite(lr)))
            throw new ArgumentException("--outer-lr needs one or more positive learning rates, comma-separated (e.g. 0.7,1.0,0.5).");
        if (Compressions.Count == 0 || Compressions.Distinct().Count() != Compressions.Count)
            throw new ArgumentException("--compression needs one or more distinct values (e.g. none,int8,int4).");
        if (Rounds <= 0 || Shards <= 0 || BatchSize <= 0)
            throw new ArgumentException("--rounds, --shards and --batch-size must be positive.");
        foreach (var h in InnerStepsSweep.Where(h => TotalSteps % h != 0))
            throw new ArgumentException($"--inner-steps {h} does not divide the {TotalSteps} total steps (--rounds {Rounds} x the first H, {InnerSteps}): every arm trains the same steps, so each H must divide R·H₁.");
        if (WarmupSteps >= TotalSteps)
            throw new ArgumentException($"--warmup {WarmupSteps} must be below the {TotalSteps} steps of the comparison.");
        if (WarmStartSteps < 0 || (WarmStartSteps > 0 && (WarmStartWarmup < 0 || WarmStartWarmup >= WarmStartSteps)))
            throw new ArgumentException($"--warm-start-steps must be 0 or more, and --warm-start-warmup ({WarmStartWarmup}) below it.");
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
