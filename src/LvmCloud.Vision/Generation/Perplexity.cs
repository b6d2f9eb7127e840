using LvmCloud.Vision.Transformer;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Generation;

/// <summary>
/// LVM's evaluation metric: per row, exp of the mean negative log-likelihood of the tokens from
/// <c>targetStart</c> to the end, each given all the tokens before it.
/// </summary>
public static class Perplexity
{
    /// <summary>
    /// Perplexity of every row. Rows may differ in length (they are right-padded: causal attention never looks ahead,
    /// so padding changes nothing); each must hold more than <paramref name="targetStart"/> tokens.
    /// </summary>
    public static double[] Compute(LlamaForCausalLM model, IReadOnlyList<long[]> rows, int targetStart, int batchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (targetStart < 1)
            throw new ArgumentOutOfRangeException(nameof(targetStart), targetStart, "targetStart must be at least 1: the first token has no context.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        for (int i = 0; i < rows.Count; i++)
            if (rows[i] is null || rows[i].Length <= targetStart)
                throw new ArgumentException($"Row {i} has {rows[i]?.Length ?? 0} tokens; it needs more than targetStart = {targetStart}.", nameof(rows));

        var result = new double[rows.Count];
        for (int start = 0; start < rows.Count; start += batchSize)
        {
            var chunk = rows.Skip(start).Take(batchSize).ToList();
            ChunkPerplexity(model, chunk, targetStart).CopyTo(result, start);
        }
        return result;
    }

    /// <summary>Perplexity (B) float64 of every row of <paramref name="tokens"/> (B, T).</summary>
    public static Tensor Compute(LlamaForCausalLM model, Tensor tokens, int targetStart)
    {
        if (tokens.dim() != 2) throw new ArgumentException($"tokens must be (batch, length), got [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        using var cpu = tokens.to(ScalarType.Int64, CPU);
        var rows = Enumerable.Range(0, (int)cpu.shape[0]).Select(r => { using var row = cpu[r]; return row.data<long>().ToArray(); }).ToList();
        return tensor(Compute(model, rows, targetStart, rows.Count));
    }

    private static double[] ChunkPerplexity(LlamaForCausalLM model, List<long[]> rows, int targetStart)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int length = rows.Max(r => r.Length), targets = length - targetStart;
        var padded = new long[rows.Count * length];
        var valid = new bool[rows.Count * targets];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].CopyTo(padded, i * length);
            Array.Fill(valid, true, i * targets, rows[i].Length - targetStart);
        }
        var device = model.Device;
        var ids = tensor(padded, [rows.Count, length], device: device);                    // (B, T)
        var mask = tensor(valid, [rows.Count, targets], device: device).to(ScalarType.Float64); // (B, T-K)
        var hidden = model.HiddenStates(ids);                                               // (B, T, D)
        var logits = model.Logits(hidden.narrow(1, targetStart - 1, targets));             // (B, T-K, V): predicts tokens K..T-1
        var logProbs = logits.log_softmax(-1);
        var expected = ids.narrow(1, targetStart, targets).unsqueeze(-1);                 // (B, T-K, 1)
        var nll = logProbs.gather(-1, expected).squeeze(-1).neg().to(ScalarType.Float64);  // (B, T-K)
        var meanNll = (nll * mask).sum(1) / mask.sum(1);                                    // (B)
        return meanNll.exp().cpu().data<double>().ToArray();
    }
}
