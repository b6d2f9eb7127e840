using System.Globalization;

namespace LvmCloud.TrainingBench;

/// <summary>What the benchmark trains: one data set, one schedule, DiLoCo's K and H, and the synchronous run's K-times batch.</summary>
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
    string Compression)
{
    /// <summary>What <c>--compression</c> may be: the run spec's <c>outer.compression</c> values.</summary>
    public static readonly IReadOnlyList<string> CompressionValues = ["none", "int8", "int4"];

    public int TotalSteps => Rounds * InnerSteps;

    public static BenchSettings Parse(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        static string Compression(string value) => CompressionValues.Contains(value)
            ? value
            : throw new ArgumentException($"--compression must be one of {string.Join(", ", CompressionValues)}, got '{value}'.");
        double Double(string name, double fallback) => Arg(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new BenchSettings(
            Arg("--train-tokens") ?? "data/fmnist-bench/train-tokens.bin",
            Arg("--eval-tokens") ?? "data/fmnist-bench/test-tokens.bin",
            Arg("--preset") ?? "fmnist_lm",
            Int("--shards", 4),
            Int("--rounds", 12),
            Int("--inner-steps", 25),
            Int("--batch-size", 8),
            Double("--lr", 2e-3),
            Double("--end-lr", 1e-4),
            Int("--warmup", 20),
            Double("--weight-decay", 0.05),
            Double("--outer-lr", 0.7),
            Double("--momentum", 0.9),
            Int("--eval-batches", 60),
            Int("--seed", 0),
            Int("--threads", Environment.ProcessorCount),
            Arg("--plot") ?? "docs/diloco-vs-sync.png",
            Arg("--storage"),
            args.Contains("--skip-sync"),
            Compression(Arg("--compression") ?? "none"));
    }
}
