using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>What every layer of one forward pass shares.</summary>
/// <param name="Cos">Rotary table (B, 1, T, d).</param>
/// <param name="Sin">Rotary table (B, 1, T, d).</param>
/// <param name="Blocked">Boolean (B, 1, T, S): true where a query may not see a key (future or padding).</param>
/// <param name="Cache">Keys/values of earlier positions; null for a plain full forward.</param>
/// <param name="StartPos">Cache slot of the first of the T new positions.</param>
public sealed record LlamaAttentionContext(Tensor Cos, Tensor Sin, Tensor Blocked, KvCache? Cache, int StartPos);
