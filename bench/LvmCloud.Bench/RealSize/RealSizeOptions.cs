using LvmCloud.Vision.Devices;

namespace LvmCloud.Bench.RealSize;

/// <summary>
/// <c>--real-size DIR [--dtype auto|float32|bfloat16|float16] [--device cpu|cuda] [--decode-steps N] [--manifest PATH]
/// [--lvm-cli PATH]</c>.
/// </summary>
/// <param name="ModelDirectory">A model folder (<c>tokenizer/</c>, <c>transformer/</c>, <c>lvm.json</c>), e.g. from <c>make-checkpoint</c>.</param>
/// <param name="DType">The transformer's dtype choice, passed to <see cref="ModelPlacement"/> as <c>lvm --dtype</c> would be.</param>
/// <param name="DecodeSteps">Decode steps timed after each prefill (the rows' means).</param>
/// <param name="Manifest">The whole-item batch; default <c>DIR/bench-item/manifest.jsonl</c>.</param>
/// <param name="LvmCli">Built <c>lvm</c> (an executable, or <c>lvm.dll</c> run with <c>dotnet</c>): when given, <c>lvm complete</c> of the
/// same manifest runs as a child process and its peak resident memory is read.</param>
public sealed record RealSizeOptions(string ModelDirectory, string DType, int DecodeSteps, string Manifest, string? LvmCli)
{
    public const int PromptTokens = 768;

    public static RealSizeOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            int at = Array.IndexOf(args, name);
            if (at < 0) return null;
            return at + 1 < args.Length ? args[at + 1] : throw new ArgumentException($"{name} needs a value.");
        }
        string directory = Value("--real-size") ?? throw new ArgumentException("--real-size needs a model folder.");
        if (!Directory.Exists(directory))
            throw new ArgumentException($"Model folder '{directory}' does not exist; write one with bench/make-real-checkpoint.sh SIZE DIR.");
        string dtype = Value("--dtype") ?? WeightDType.Auto;
        if (WeightDType.Problem(dtype, "--dtype") is { } problem) throw new ArgumentException(problem);
        int steps = int.TryParse(Value("--decode-steps") ?? "8", out var s) && s >= 1
            ? s
            : throw new ArgumentException("--decode-steps must be a positive whole number.");
        string manifest = Value("--manifest") ?? Path.Combine(directory, BenchItemManifest.FolderName, BenchItemManifest.ManifestFileName);
        if (!File.Exists(manifest))
            throw new ArgumentException($"Item manifest '{manifest}' not found; make-checkpoint writes one, or pass --manifest PATH.");
        string? cli = Value("--lvm-cli");
        if (cli is not null && !File.Exists(cli))
            throw new ArgumentException($"--lvm-cli '{cli}' not found; build it with dotnet build src/LvmCloud.Cli -c Release and pass bin/Release/net10.0/lvm.dll.");
        return new RealSizeOptions(directory, dtype, steps, manifest, cli);
    }
}
