using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// Decoder layers at real sizes (LVM 1B and 7B shapes) in bfloat16 on the CPU, with <see cref="HalfLinear"/>'s kernel
/// and with libtorch side by side in one process: ms per layer-step at 1 and 8 rows against the layer's bandwidth floor
/// (its weight bytes plus the KV bytes it reads, at the measured read rate). Only <see cref="Layers"/> layers and a
/// 256-id vocabulary are allocated (about 0.8 GB at 7B), never a whole model. The cache holds zeros: a step's cost does
/// not depend on what it attends to, so no prefill is run; the step attends to <see cref="CachedPositions"/> positions.
/// </summary>
public static class HalfDecodeBench
{
    /// <summary>Two layers, so a 1B layer's 0.1 GB of weights cannot sit in the last-level cache between steps.</summary>
    public const int Layers = 2;

    public const int CachedPositions = 512;

    public static void Run(BenchTable table, string preset, double bytesPerSecond, int repetitions)
    {
        var real = LlamaPresets.Get(preset);
        var config = real with { NumHiddenLayers = Layers, VocabSize = 256 };
        Console.Error.WriteLine($"{preset}: {Layers} bfloat16 layers...");
        using var model = new LlamaForCausalLM(config, CPU, ScalarType.BFloat16);
        model.eval();
        double layerBytes = 2.0 * ((real with { NumHiddenLayers = 2 }).ParameterCount - (real with { NumHiddenLayers = 1 }).ParameterCount);
        double kvBytesPerRow = 2.0 * CachedPositions * real.NumKeyValueHeads * real.HeadDim * 2;
        foreach (int rows in new[] { 1, 8 })
        {
            double kernel = LayerStepSeconds(model, rows, repetitions);
            double libTorch;
            using (HalfLinear.UseLibTorch())
                libTorch = LayerStepSeconds(model, rows, repetitions);
            double floor = (layerBytes + rows * kvBytesPerRow) / bytesPerSecond;
            string shape = $"{preset} layer ({layerBytes / 1e6:0} MB bf16), {rows} row{(rows > 1 ? "s" : "")}, {CachedPositions} cached";
            table.Add($"bf16 decode layer-step, kernel, {shape}", kernel * 1e3, "ms",
                $"floor {floor * 1e3:0.00} ms: {kernel / floor:0.00}× the floor ({100 * floor / kernel:0} %)");
            table.Add($"bf16 decode layer-step, libtorch, {shape}", libTorch * 1e3, "ms",
                $"{libTorch / floor:0.00}× the floor; kernel speed-up {libTorch / kernel:0.00}×");
            double matrices = MatricesSeconds(model, rows, repetitions);
            double matricesLibTorch;
            using (HalfLinear.UseLibTorch())
                matricesLibTorch = MatricesSeconds(model, rows, repetitions);
            table.Add($"its 7 weight matrices alone, kernel / libtorch, {rows} row{(rows > 1 ? "s" : "")}", matrices * 1e3, "ms",
                $"{layerBytes / matrices / 1e9:0.0} GB/s; libtorch {matricesLibTorch * 1e3:0.00} ms ({layerBytes / matricesLibTorch / 1e9:0.0} GB/s)");
        }
    }

    /// <summary>Best time of the layers' weight matrices, each applied to <paramref name="rows"/> rows, per layer.</summary>
    private static double MatricesSeconds(LlamaForCausalLM model, int rows, int repetitions)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var matrices = model.named_parameters()
            .Where(p => p.parameter.dim() == 2 && p.name.Contains(".layers.", StringComparison.Ordinal))
            .Select(p => p.parameter)
            .ToList();
        var inputs = matrices.Select(w => w.shape[1]).Distinct().ToDictionary(k => k, k => randn(rows, k).to(ScalarType.BFloat16));
        double seconds = Timing.Best(repetitions, () =>
        {
            foreach (var w in matrices)
                HalfLinear.Forward(w, inputs[w.shape[1]]).Dispose();
        }, warmups: 2);
        return seconds / Layers;
    }

    /// <summary>Best time of one decode step through the <see cref="Layers"/> layers, divided by <see cref="Layers"/>.</summary>
    private static double LayerStepSeconds(LlamaForCausalLM model, int rows, int repetitions)
    {
        using var noGrad = no_grad();
        using var cache = model.CreateCache(rows, CachedPositions + 1);
        using var ids = zeros(rows, 1, dtype: ScalarType.Int64);
        double seconds = Timing.Best(repetitions, () =>
        {
            using var hidden = model.HiddenStates(ids, cache, CachedPositions, inputsChecked: true);
        }, warmups: 2);
        return seconds / Layers;
    }
}
