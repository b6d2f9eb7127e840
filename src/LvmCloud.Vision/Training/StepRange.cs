namespace LvmCloud.Vision.Training;

/// <summary>
/// Optimizer steps [<see cref="From"/>, <see cref="To"/>) of a schedule, numbered from 0: the learning rate and the
/// batches of step s are functions of s, so [0, k) then [k, n) trains exactly as [0, n).
/// </summary>
public sealed record StepRange
{
    public StepRange(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, from);
        From = from;
        To = to;
    }

    public int From { get; }
    public int To { get; }
    public int Count => To - From;
}
