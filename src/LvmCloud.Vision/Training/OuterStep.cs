using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>
/// One DiLoCo merge: <see cref="Add"/> each shard's trained weights, or <see cref="AddDelta"/> its decoded outer
/// gradient (a running sum, so only the sum and one shard are in memory at a time), then <see cref="Apply"/> the outer step to the round's base weights in place:
/// <code>
/// Δ = θ_base − mean_k θ_k          the outer gradient (minus the averaged change)
/// v = μ·v + Δ                      momentum, kept from round to round
/// θ_next = θ_base − lr·(Δ + μ·v)   Nesterov (or θ_base − lr·v without)
/// </code>
/// The arithmetic is float64 on the CPU whatever the model's dtype and device: the sum of many shards and the
/// difference of nearly equal weights would lose bits in float32, and with lr 1, μ 0 and one shard the result is that
/// shard's weights exactly. Only trainable parameters are merged (a tied weight once, under its first name).
/// <para>
/// It also measures how far the shards drifted apart (<see cref="Drift"/>) in the same pass: <see cref="Add"/> and
/// <see cref="AddDelta"/> keep the sum of the shards' squared norms beside the running sum, one number per shard, so no shard is held or read twice.
/// </para>
/// </summary>
public sealed class OuterStep : IDisposable
{
    private readonly Dictionary<string, Tensor> _sum = new(StringComparer.Ordinal);

    /// <summary>Σ_k ‖θ_k‖² over the shards added, in float64: with the mean it gives the shards' spread around it.</summary>
    private double _shardSquares;

    /// <summary>Shards added so far.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Set by <see cref="Apply"/>: how far the K shards moved apart, relative to how far their average moved,
    /// <c>sqrt(mean_k ‖θ_k − θ̄‖²) / ‖θ̄ − θ_base‖</c> over all merged parameters (θ̄ the shards' mean). 0 when the shards
    /// agree (K = 1, or identical data); about 1 when each shard's own deviation is as large as the step the merge takes;
    /// above 1 when they pull apart more than together. Null before <see cref="Apply"/> or when the average did not move.
    /// </summary>
    public double? Drift { get; private set; }

    /// <summary>The trainable parameters by their first name, each once.</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> Parameters(nn.Module model)
    {
        var seen = new HashSet<IntPtr>();
        var list = new List<(string, Parameter)>();
        foreach (var (name, parameter) in model.named_parameters())
            if (parameter.requires_grad && seen.Add(parameter.Handle))
                list.Add((name, parameter));
        return list;
    }

    /// <summary>Adds one shard's weights to the running sum.</summary>
    public void Add(nn.Module shard)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, parameter) in Parameters(shard))
        {
            var value = parameter.detach().to(ScalarType.Float64, CPU);
            _shardSquares += value.square().sum().item<double>();
            if (_sum.TryGetValue(name, out var sum))
                sum.add_(value);
            else
                _sum[name] = value.clone().MoveToOuterDisposeScope();
        }
        Count++;
    }

    /// <summary>
    /// Adds one shard given by its decoded outer gradient instead of its weights (<see cref="OuterGradient"/>): the
    /// running sum gets θ_base − δ̂_k, the weights the shard's δ̂ stands for, so <see cref="Apply"/> averages the δ̂s.
    /// <paramref name="baseModel"/> holds the round's base, the weights the shard started from.
    /// </summary>
    /// <exception cref="InvalidOperationException">The delta does not name every parameter of the base, or only those, in their shapes.</exception>
    public void AddDelta(nn.Module baseModel, IReadOnlyDictionary<string, Tensor> delta)
    {
        var parameters = Parameters(baseModel);
        var unknown = delta.Keys.Where(n => !parameters.Any(p => p.Name == n)).ToList();
        if (unknown.Count > 0)
            throw new InvalidOperationException($"The outer gradient holds {unknown.Count} tensors the base has no parameter for ({string.Join(", ", unknown.Take(5))}): they are not the same model.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (!delta.TryGetValue(name, out var d))
                throw new InvalidOperationException($"Parameter '{name}' of the base is not in the shard's outer gradient: they are not the same model.");
            if (!d.shape.SequenceEqual(parameter.shape))
                throw new InvalidOperationException($"Parameter '{name}' is [{string.Join(", ", parameter.shape)}] in the base but [{string.Join(", ", d.shape)}] in the shard's outer gradient.");
            var value = parameter.detach().to(ScalarType.Float64, CPU) - d.to(ScalarType.Float64, CPU);
            _shardSquares += value.square().sum().item<double>(); // the drift of the weights δ̂ stands for
            if (_sum.TryGetValue(name, out var sum))
                sum.add_(value);
            else
                _sum[name] = value.MoveToOuterDisposeScope();
        }
        Count++;
    }

    /// <summary>
    /// Replaces <paramref name="model"/>'s weights (the round's base) by the next base, and returns the new momentum
    /// (float32 on the CPU, one tensor per merged parameter; the caller disposes them). <paramref name="momentum"/> is
    /// the previous round's (null or missing names: zeros, as at the first round).
    /// </summary>
    public Dictionary<string, Tensor> Apply(nn.Module model, IReadOnlyDictionary<string, Tensor>? momentum, OuterStepSettings settings)
    {
        settings.Validate();
        if (Count == 0) throw new InvalidOperationException("No shard weights were added to the outer step.");
        var next = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        double meanSquares = 0, deltaSquares = 0;
        using var _ = no_grad();
        foreach (var (name, parameter) in Parameters(model))
        {
            if (!_sum.TryGetValue(name, out var sum))
                throw new InvalidOperationException($"Parameter '{name}' of the base is in no shard's weights: they are not the same model.");
            using var scope = NewDisposeScope();
            var theta = parameter.detach().to(ScalarType.Float64, CPU);
            var mean = sum / Count;                                            // θ̄
            var delta = theta - mean;                                          // Δ
            meanSquares += mean.square().sum().item<double>();
            deltaSquares += delta.square().sum().item<double>();
            var v = momentum is not null && momentum.TryGetValue(name, out var previous)
                ? previous.to(ScalarType.Float64, CPU) * settings.Momentum + delta
                : delta.clone();                                                // v = μ·v + Δ
            var update = settings.Nesterov ? delta + v * settings.Momentum : v;
            var result = theta - update * settings.LearningRate;
            parameter.copy_(result.to(parameter.dtype, parameter.device));
            next[name] = v.to(ScalarType.Float32).MoveToOuterDisposeScope();
        }
        // mean_k ‖θ_k − θ̄‖² = mean_k ‖θ_k‖² − ‖θ̄‖² (float64: the difference keeps ~10 significant digits at these sizes).
        var spread = Math.Sqrt(Math.Max(0, _shardSquares / Count - meanSquares));
        Drift = deltaSquares > 0 ? spread / Math.Sqrt(deltaSquares) : null;
        return next;
    }

    /// <summary>Writes the momentum as safetensors (float32, by parameter name).</summary>
    public static void SaveMomentum(string path, IReadOnlyDictionary<string, Tensor> momentum) =>
        Safetensors.SaveStateDict(path, momentum.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

    /// <summary>Reads a momentum written by <see cref="SaveMomentum"/> (the caller disposes the tensors).</summary>
    public static Dictionary<string, Tensor> LoadMomentum(string path)
    {
        Checkpoints.SafetensorsCheck.Check(path);
        return Safetensors.LoadStateDict(path);
    }

    public void Dispose()
    {
        foreach (var t in _sum.Values) t.Dispose();
        _sum.Clear();
    }
}
