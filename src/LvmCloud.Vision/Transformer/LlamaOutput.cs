using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>Logits (B, T, V) and HF-style hidden states (each (B, T, D)); the holder disposes them.</summary>
public sealed record LlamaOutput(Tensor Logits, IReadOnlyList<Tensor> HiddenStates) : IDisposable
{
    public void Dispose()
    {
        Logits.Dispose();
        foreach (var state in HiddenStates) state.Dispose();
    }
}
