using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Bench;

/// <summary>
/// The kernel limit of a batch-1 decode step: the model's own weight matrices (every 2-D parameter but the embedding
/// table, which a step reads one row of), each multiplied by one input row through <c>linear</c> as the layers do it,
/// nothing else. A step's time above this is the engine's (norms, rotary, attention, per-op overhead); this time above
/// the bandwidth floor is the matrix-vector kernel's.
/// </summary>
public static class WeightStreaming
{
    public static (double Seconds, double Bytes) BatchOneSeconds(LlamaForCausalLM model, int repetitions = 10)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var matrices = model.named_parameters()
            .Where(p => p.parameter.dim() == 2 && !p.name.EndsWith("embed_tokens.weight", StringComparison.Ordinal))
            .Select(p => p.parameter)
            .ToList();
        if (model.Config.TieWordEmbeddings)
            matrices.Add(model.named_parameters().Single(p => p.name.EndsWith("embed_tokens.weight", StringComparison.Ordinal)).parameter);
        var device = matrices[0].device;
        var inputs = matrices.Select(w => w.shape[1]).Distinct().ToDictionary(k => k, k => randn(1, k, dtype: matrices[0].dtype, device: device));
        double seconds = Timing.Best(repetitions, () =>
        {
            using var stepScope = NewDisposeScope();
            Tensor? y = null;
            foreach (var w in matrices)
                y = nn.functional.linear(inputs[w.shape[1]], w);
            y![0, 0].item<float>();                                                  // waits for a GPU to finish
        }, warmups: 2);
        double bytes = matrices.Sum(w => (double)w.numel() * w.element_size());
        return (seconds, bytes);
    }
}
