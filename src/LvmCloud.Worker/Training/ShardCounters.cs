using LvmCloud.Vision.Training;

namespace LvmCloud.Worker.Training;

/// <summary>
/// The running sums of one shard job: the loss and tokens of its steps, and the seconds spent training and moving
/// data. They are kept in each checkpoint (<see cref="TrainingState.Extra"/>, under the names below), so a delivery
/// that resumes from a checkpoint carries on the sums of the deliveries before it.
/// </summary>
public sealed class ShardCounters
{
    private const string LossSumKey = "lossSum", LossCountKey = "lossCount", TokensKey = "tokens";
    private const string InnerSecondsKey = "innerSeconds", TransferSecondsKey = "transferSeconds";

    /// <summary>The sum of the steps' losses.</summary>
    public double LossSum { get; private set; }

    /// <summary>How many steps the loss sum holds.</summary>
    public long LossCount { get; private set; }

    /// <summary>The tokens the steps trained on.</summary>
    public long Tokens { get; private set; }

    /// <summary>Seconds in the inner loop, by the deliveries before this one (up to their last checkpoint).</summary>
    public double InnerSecondsBefore { get; private init; }

    /// <summary>Seconds reading and writing weights, data and checkpoints, by the deliveries before this one.</summary>
    public double TransferSecondsBefore { get; private init; }

    /// <summary>The mean loss of the steps so far (NaN before the first).</summary>
    public double MeanLoss => LossCount > 0 ? LossSum / LossCount : double.NaN;

    /// <summary>The sums a checkpoint carries; zero for a shard that starts afresh (<paramref name="saved"/> null).</summary>
    public static ShardCounters From(TrainingState? saved)
    {
        var extra = saved?.Extra ?? [];
        double Get(string key) => extra.TryGetValue(key, out var v) ? v : 0;
        return new ShardCounters
        {
            LossSum = Get(LossSumKey),
            LossCount = (long)Get(LossCountKey),
            Tokens = (long)Get(TokensKey),
            InnerSecondsBefore = Get(InnerSecondsKey),
            TransferSecondsBefore = Get(TransferSecondsKey),
        };
    }

    /// <summary>Adds one step's loss and tokens.</summary>
    public void Add(InnerLoopStep step)
    {
        LossSum += step.Loss;
        LossCount++;
        Tokens += step.Tokens;
    }

    /// <summary>The sums for a checkpoint, with the total seconds (the deliveries before included) up to it.</summary>
    public Dictionary<string, double> ToCheckpoint(double innerSeconds, double transferSeconds) => new()
    {
        [LossSumKey] = LossSum,
        [LossCountKey] = LossCount,
        [TokensKey] = Tokens,
        [InnerSecondsKey] = innerSeconds,
        [TransferSecondsKey] = transferSeconds,
    };
}
