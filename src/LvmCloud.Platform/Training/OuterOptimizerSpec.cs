namespace LvmCloud.Platform.Training;

/// <summary>
/// DiLoCo's outer optimizer: SGD with (Nesterov) momentum on the outer gradient, the base weights minus the average
/// of the shards' weights. The paper's defaults (learning rate 0.7, momentum 0.9, Nesterov) are these; learning rate 1
/// without momentum simply takes the average.
/// </summary>
public sealed record OuterOptimizerSpec(double LearningRate = 0.7, double Momentum = 0.9, bool Nesterov = true)
{
    public IEnumerable<string> Validate()
    {
        if (!(LearningRate > 0 && LearningRate <= 10))
            yield return $"outer.learningRate must be in (0, 10], got {LearningRate}";
        if (!(Momentum >= 0 && Momentum < 1))
            yield return $"outer.momentum must be in [0, 1), got {Momentum}";
    }
}
