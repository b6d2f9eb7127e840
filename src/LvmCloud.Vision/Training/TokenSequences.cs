using static TorchSharp.torch;

namespace LvmCloud.Vision.Training;

/// <summary>Equal-length token sequences (visual sentences) held in one flat array, batched into tensors.</summary>
public sealed class TokenSequences
{
    private readonly int[] _tokens;

    public TokenSequences(IReadOnlyList<int[]> sequences)
    {
        if (sequences.Count == 0) throw new ArgumentException("No token sequences to train on.");
        Length = sequences[0].Length;
        if (Length < 2) throw new ArgumentException("Token sequences need at least 2 tokens.");
        for (int i = 0; i < sequences.Count; i++)
            if (sequences[i].Length != Length)
                throw new ArgumentException($"Sequence {i} has {sequences[i].Length} tokens; every sequence must have {Length} (one sentence length per run).");
        Count = sequences.Count;
        _tokens = new int[Count * Length];
        for (int i = 0; i < Count; i++) sequences[i].CopyTo(_tokens, i * Length);
    }

    public int Count { get; }
    public int Length { get; }

    public ReadOnlySpan<int> this[int index] => _tokens.AsSpan(index * Length, Length);

    /// <summary>The rows <paramref name="indices"/> as an int64 tensor (B, T).</summary>
    public Tensor Batch(IReadOnlyList<int> indices, Device? device = null)
    {
        var data = new long[indices.Count * Length];
        for (int b = 0; b < indices.Count; b++)
        {
            var row = this[indices[b]];
            for (int t = 0; t < Length; t++) data[b * Length + t] = row[t];
        }
        return tensor(data, [indices.Count, Length], dtype: ScalarType.Int64, device: device);
    }
}
