using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

/// <summary>A 2-layer, width-32 LLaMA and sequences with a learnable rule, for training tests that take milliseconds a step.</summary>
internal static class TinyLm
{
    public static readonly LlamaConfig Config = new(64, 32, 64, 2, 4, 2, MaxPositionEmbeddings: 64);

    /// <summary>Sequences of 16 tokens following token t+1 = (token t + 3) mod 64 from random starts.</summary>
    public static TokenSequences Data(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<int[]>();
        for (int i = 0; i < count; i++)
        {
            int s = rng.Next(64);
            rows.Add(Enumerable.Range(0, 16).Select(t => (s + 3 * t) % 64).ToArray());
        }
        return new TokenSequences(rows);
    }

    /// <summary>A model with weights drawn from TorchSharp's global generator seeded with <paramref name="seed"/>.</summary>
    public static LlamaForCausalLM NewModel(int seed)
    {
        manual_seed(seed);
        return new LlamaForCausalLM(Config);
    }

    public static TransformerTrainingOptions Options => new(
        Steps: 12, BatchSize: 4, GradientAccumulation: 2, PeakLr: 3e-3, WarmupSteps: 2, EndLr: 1e-4, WeightDecay: 0.1,
        Seed: 5, EvalEvery: 0, CheckpointEvery: 100, LogEvery: 1, EvalBatches: 2);

    /// <summary>Every tensor of the state_dict, copied out.</summary>
    public static Dictionary<string, float[]> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
}
