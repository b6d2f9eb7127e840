using static TorchSharp.torch;

namespace LvmCloud.Vision.Transformer;

/// <summary>
/// Keys and values of every layer, preallocated as (B, KV, MaxLength, d) and written by slice at the
/// current position. The owner holds it in <c>using</c>; its tensors belong to no dispose scope.
/// </summary>
public sealed class KvCache : IAttentionCache
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;
    private bool disposed;

    public KvCache(int layers, int batch, int maxLength, int kvHeads, int headDim, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (layers <= 0) throw new ArgumentOutOfRangeException(nameof(layers), layers, "A KV cache needs at least one layer.");
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A KV cache needs at least one row.");
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "A KV cache needs a positive length.");
        if (kvHeads <= 0) throw new ArgumentOutOfRangeException(nameof(kvHeads), kvHeads, "A KV cache needs at least one head.");
        if (headDim <= 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "A KV cache needs a positive head size.");
        Layers = layers;
        Batch = batch;
        MaxLength = maxLength;
        KvHeads = kvHeads;
        HeadDim = headDim;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            keys[i] = zeros([batch, kvHeads, maxLength, headDim], dtype: dtype, device: device).DetachFromDisposeScope();
            values[i] = zeros([batch, kvHeads, maxLength, headDim], dtype: dtype, device: device).DetachFromDisposeScope();
        }
    }

    private KvCache(Tensor[] keys, Tensor[] values)
    {
        this.keys = keys;
        this.values = values;
        Layers = keys.Length;
        Batch = (int)keys[0].shape[0];
        KvHeads = (int)keys[0].shape[1];
        MaxLength = (int)keys[0].shape[2];
        HeadDim = (int)keys[0].shape[3];
    }

    /// <summary>A cache shaped for <paramref name="config"/>, on the device and dtype of the model's weights.</summary>
    public static KvCache For(LlamaConfig config, int batch, int maxLength, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        new(config.NumHiddenLayers, batch, maxLength, config.NumKeyValueHeads, config.HeadDim, dtype, device);

    public int Layers { get; }
    public int Batch { get; }
    public int MaxLength { get; }
    public int KvHeads { get; }
    public int HeadDim { get; }
    public ScalarType DType => keys[0].dtype;
    public Device Device => keys[0].device;

    /// <summary>
    /// Writes k and v, each (B, KV, T, d), at slots [startPos, startPos+T) of <paramref name="layer"/>, and returns views
    /// of slots [0, startPos+T), each (B, KV, startPos+T, d). The views are new tensors in the caller's scope.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, int startPos, Tensor k, Tensor v)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (layer < 0 || layer >= Layers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The KV cache has {Layers} layers.");
        long t = k.shape[2];
        if (k.shape[0] != Batch || k.shape[1] != KvHeads || k.shape[3] != HeadDim)
            throw new ArgumentException(
                $"Keys shaped [{string.Join(", ", k.shape)}] do not fit a KV cache of {Batch} rows, {KvHeads} heads, head size {HeadDim}.", nameof(k));
        if (startPos < 0 || startPos + t > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(startPos), startPos,
                $"Writing {t} positions at {startPos} overruns the KV cache of length {MaxLength}.");
        using (var kSlot = keys[layer].narrow(2, startPos, t)) kSlot.copy_(k);
        using (var vSlot = values[layer].narrow(2, startPos, t)) vSlot.copy_(v);
        return (keys[layer].narrow(2, 0, startPos + t), values[layer].narrow(2, 0, startPos + t));
    }

    /// <summary>Stores k and v at <paramref name="startPos"/> (see <see cref="Append"/>) and attends over slots [0, startPos+T).</summary>
    public Tensor Attend(int layer, int startPos, Tensor q, Tensor k, Tensor v, AttentionMask mask)
    {
        using var scope = NewDisposeScope();
        var (keys, values) = Append(layer, startPos, k, v);                     // (B, KV, S, d)
        return DenseAttention.Compute(q, keys, values, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Views of slots [0, <paramref name="length"/>) of <paramref name="layer"/>, each (B, KV, length, d), in the caller's scope.</summary>
    public (Tensor Keys, Tensor Values) Stored(int layer, int length)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (layer < 0 || layer >= Layers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The KV cache has {Layers} layers.");
        if (length <= 0 || length > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The KV cache holds up to {MaxLength} slots.");
        return (keys[layer].narrow(2, 0, length), values[layer].narrow(2, 0, length));
    }

    /// <summary>
    /// A new cache whose row i is this cache's row <c>rows[i]</c>: repeats rows (one prompt, several candidates)
    /// or reorders them. This cache is left as it was.
    /// </summary>
    public KvCache SelectRows(Tensor rows)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var index = rows.to(ScalarType.Int64, keys[0].device);
        var newKeys = keys.Select(k => k.index_select(0, index).DetachFromDisposeScope()).ToArray();
        var newValues = values.Select(v => v.index_select(0, index).DetachFromDisposeScope()).ToArray();
        return new KvCache(newKeys, newValues);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var t in keys) t.Dispose();
        foreach (var t in values) t.Dispose();
    }
}
