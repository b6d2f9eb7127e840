using System.Diagnostics;

namespace LvmCloud.Bench;

/// <summary>Wall-clock timing: one warm-up run, then the best of a few.</summary>
public static class Timing
{
    public static double Seconds(Action run)
    {
        var watch = Stopwatch.StartNew();
        run();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Fastest of <paramref name="repetitions"/> runs (after <paramref name="warmups"/> untimed ones).</summary>
    public static double Best(int repetitions, Action run, int warmups = 1)
    {
        for (int i = 0; i < warmups; i++) run();
        double best = double.MaxValue;
        for (int i = 0; i < repetitions; i++) best = Math.Min(best, Seconds(run));
        return best;
    }
}
