using TorchSharp;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// A shard's outer gradient δ_k = θ_base − θ_k, per trainable parameter (named as <see cref="OuterStep.Parameters"/>
/// names them), computed in float64 and written compressed by <see cref="OuterGradientCodec"/>; the merge adds it back
/// with <see cref="OuterStep.AddDelta"/>.
/// </summary>
public static class OuterGradient
{
    /// <summary>Copies of the model's trainable parameters on the CPU, in their dtype (the caller disposes the snapshot).</summary>
    public static WeightSnapshot Snapshot(nn.Module model)
    {
        var copies = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (name, parameter) in OuterStep.Parameters(model))
        {
            var value = parameter.detach();
            copies[name] = (value.device_type == DeviceType.CPU ? value.clone() : value.cpu()).DetachFromDisposeScope();
        }
        return new WeightSnapshot(copies);
    }

    /// <summary>
    /// Writes δ = <paramref name="baseWeights"/> − <paramref name="trained"/>'s parameters to <paramref name="path"/>,
    /// one parameter at a time (only one float64 difference is in memory at once).
    /// </summary>
    /// <exception cref="ArgumentException">The base weights do not name the trained model's parameters, or differ in shape.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> baseWeights, nn.Module trained, OuterGradientPrecision precision)
    {
        var parameters = OuterStep.Parameters(trained).ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        var missing = parameters.Keys.Where(n => !baseWeights.ContainsKey(n)).Concat(baseWeights.Keys.Where(n => !parameters.ContainsKey(n))).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"The base weights and the trained model do not have the same parameters (differ in: {string.Join(", ", missing.Take(5))}): they are not the same model.");
        OuterGradientCodec.Save(path, precision, parameters.Keys, name =>
        {
            var (theta, trainedValue) = (baseWeights[name], parameters[name]);
            if (!theta.shape.SequenceEqual(trainedValue.shape))
                throw new ArgumentException($"Parameter '{name}' is [{string.Join(", ", trainedValue.shape)}] in the trained model but [{string.Join(", ", theta.shape)}] in the base.");
            return theta.to(ScalarType.Float64, CPU) - trainedValue.detach().to(ScalarType.Float64, CPU);
        });
    }
}
