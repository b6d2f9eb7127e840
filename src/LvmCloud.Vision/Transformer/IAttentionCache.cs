using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// Keys and values of earlier positions, and how a layer's new queries attend to them. <see cref="KvCache"/> keeps one
/// row per sequence; <see cref="SharedPromptKvCache"/> keeps each prompt once for all of its candidates.
/// </summary>
public interface IAttentionCache : IDisposable
{
    /// <summary>Rows (sequences) the cache serves: the batch of every forward that uses it.</summary>
    int Batch { get; }

    /// <summary>
    /// Stores the new keys and values <paramref name="k"/>, <paramref name="v"/> (B, KV, T, d) of <paramref name="layer"/>
    /// at <paramref name="startPos"/> and returns the attention output (B, H, T, d) of the queries <paramref name="q"/>
    /// (B, H, T, d) over everything cached for their rows, <paramref name="mask"/> applied.
    /// </summary>
    Tensor Attend(int layer, int startPos, Tensor q, Tensor k, Tensor v, AttentionMask mask);
}
