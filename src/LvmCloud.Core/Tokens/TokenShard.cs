namespace LvmCloud.Core.Tokens;

/// <summary>
/// Token sequences held in memory as one flat int32 array plus offsets
/// (the same shape as the binary shard format). Sequence <c>i</c> is
/// <c>Tokens[Offsets[i] .. Offsets[i + 1])</c>.
/// </summary>
public sealed class TokenShard : IReadOnlyList<ReadOnlyMemory<int>>
{
    private readonly int[] _tokens;
    private readonly long[] _offsets;

    /// <summary>Takes ownership of the arrays; <paramref name="offsets"/> has Count + 1 entries, from 0 to tokens.Length, non-decreasing.</summary>
    public TokenShard(int[] tokens, long[] offsets)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(offsets);
        if (CheckOffsets(offsets, tokens.LongLength) is { } problem)
        {
            throw new ArgumentException(problem, nameof(offsets));
        }

        _tokens = tokens;
        _offsets = offsets;
    }

    public static TokenShard FromSequences(IEnumerable<int[]> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var offsets = new List<long> { 0 };
        var tokens = new List<int>();
        foreach (int[] sequence in sequences)
        {
            tokens.AddRange(sequence);
            offsets.Add(tokens.Count);
        }

        return new TokenShard([.. tokens], [.. offsets]);
    }

    public int Count => _offsets.Length - 1;

    public long TokenCount => _tokens.LongLength;

    /// <summary>All tokens back to back.</summary>
    public ReadOnlySpan<int> Tokens => _tokens;

    /// <summary>Count + 1 token offsets.</summary>
    public ReadOnlySpan<long> Offsets => _offsets;

    public ReadOnlyMemory<int> this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            long start = _offsets[index];
            return _tokens.AsMemory((int)start, (int)(_offsets[index + 1] - start));
        }
    }

    /// <summary>Throws if any token is outside [0, <paramref name="vocabSize"/>), naming the sequence and position.</summary>
    public void EnsureTokensBelow(int vocabSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<int> sequence = this[i].Span;
            for (int j = 0; j < sequence.Length; j++)
            {
                if ((uint)sequence[j] >= (uint)vocabSize)
                {
                    throw new InvalidDataException(
                        $"Token {sequence[j]} at position {j} of sequence {i} is outside the vocabulary [0, {vocabSize}).");
                }
            }
        }
    }

    public IEnumerator<ReadOnlyMemory<int>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    internal static string? CheckOffsets(ReadOnlySpan<long> offsets, long tokenCount)
    {
        if (offsets.Length == 0 || offsets[0] != 0)
        {
            return "the first offset must be 0";
        }

        for (int i = 1; i < offsets.Length; i++)
        {
            if (offsets[i] < offsets[i - 1])
            {
                return $"offset {i} ({offsets[i]}) is smaller than offset {i - 1} ({offsets[i - 1]})";
            }
        }

        return offsets[^1] != tokenCount
            ? $"the last offset is {offsets[^1]} but there are {tokenCount} tokens"
            : null;
    }
}
