using LvmCloud.Core.Tokens;

namespace LvmCloud.Vision.Evaluation;

/// <summary>The baseline that knows only how often each code occurs: what a model gains over it comes from context.</summary>
public static class UnigramBaseline
{
    /// <summary>log p(code) from code frequencies in a training shard, add-one smoothed so an unseen code has a finite cost.</summary>
    public static double[] LogProbabilities(TokenShard shard, int codes)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(codes);
        var counts = new double[codes];
        foreach (int t in shard.Tokens) if (t >= 0 && t < codes) counts[t]++;
        double total = counts.Sum() + codes;
        return counts.Select(c => Math.Log((c + 1) / total)).ToArray();
    }
}
