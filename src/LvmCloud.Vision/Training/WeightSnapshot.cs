using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>Copies of a model's trainable parameters by name (<see cref="OuterGradient.Snapshot"/>), freed together.</summary>
public sealed class WeightSnapshot(Dictionary<string, Tensor> tensors) : IDisposable
{
    /// <summary>The copies, by the names <see cref="OuterStep.Parameters"/> gives.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    public void Dispose()
    {
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }
}
