using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>What every layer of one forward pass shares.</summary>
/// <param name="Cos">Rotary table (B, 1, T, d).</param>
/// <param name="Sin">Rotary table (B, 1, T, d).</param>
/// <param name="Mask">Which keys each query may see (future and padding blocked).</param>
/// <param name="Cache">Keys/values of earlier positions and how to attend to them; null for a plain full forward.</param>
/// <param name="StartPos">Cache slot of the first of the T new positions.</param>
public sealed record LlamaAttentionContext(Tensor Cos, Tensor Sin, AttentionMask Mask, IAttentionCache? Cache, int StartPos);
