using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// The transformer's AdamW, with minGPT's weight-decay rule: only the weight matrices of <see cref="Linear"/> layers
/// decay; embeddings, norm gains and biases do not. Decay is a pull towards zero: it regularises the projections,
/// but on an RMSNorm gain it fights the scale the norm exists to learn, and on an embedding it shrinks the rows of
/// rare tokens, which get few gradients to push back. A tied head shares the embedding matrix and so is not decayed.
/// </summary>
public static class TransformerOptimizer
{
    /// <summary>
    /// AdamW over two parameter groups, in this order: the decayed Linear weights (<c>options.WeightDecay</c>), then
    /// everything else (decay 0), each in the model's parameter order. The layout is fixed for a model shape, so the
    /// optimizer state saved by one process loads into the optimizer another process builds.
    /// </summary>
    public static AdamW Create(nn.Module model, TransformerTrainingOptions options)
    {
        var (decay, noDecay) = SplitForWeightDecay(model);
        AdamW.ParamGroup Group(IEnumerable<(string Name, Parameter Parameter)> parameters, double weightDecay) =>
            new(parameters.Select(p => p.Parameter).ToArray(), options.PeakLr, options.Beta1, options.Beta2, Eps, weightDecay);
        return optim.AdamW([Group(decay, options.WeightDecay), Group(noDecay, 0)], options.PeakLr, options.Beta1, options.Beta2, Eps, options.WeightDecay);
    }

    /// <summary>AdamW's epsilon (PyTorch's and EasyLM's default).</summary>
    public const double Eps = 1e-8;

    /// <summary>
    /// The trainable parameters by name, split by the rule: weights of Linear layers (decayed) and the rest
    /// (embeddings, norms, biases). A parameter registered twice (tied) appears once, under its first name.
    /// </summary>
    public static (IReadOnlyList<(string Name, Parameter Parameter)> Decay, IReadOnlyList<(string Name, Parameter Parameter)> NoDecay) SplitForWeightDecay(nn.Module model)
    {
        var linearWeights = new HashSet<IntPtr>();
        var embeddings = new HashSet<IntPtr>();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is Linear { weight: { } w }) linearWeights.Add(w.Handle);
            else if (module is Embedding { weight: { } e }) embeddings.Add(e.Handle);
        }
        var decay = new List<(string, Parameter)>();
        var noDecay = new List<(string, Parameter)>();
        var seen = new HashSet<IntPtr>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (!parameter.requires_grad || !seen.Add(parameter.Handle)) continue;
            bool decayed = linearWeights.Contains(parameter.Handle) && !embeddings.Contains(parameter.Handle);
            (decayed ? decay : noDecay).Add((name, parameter));
        }
        return (decay, noDecay);
    }
}
