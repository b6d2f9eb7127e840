namespace LvmCloud.Vision.Training;

/// <summary>
/// DiLoCo's outer optimizer (Douillard et al. 2023): SGD on the outer gradient Δ = θ_base − mean_k θ_k with
/// (Nesterov) momentum. The paper's choice is learning rate 0.7, momentum 0.9, Nesterov; learning rate 1 without
/// momentum makes the next base the plain average of the shards (one shard: that shard's weights, exactly).
/// </summary>
public sealed record OuterStepSettings(double LearningRate = 0.7, double Momentum = 0.9, bool Nesterov = true)
{
    public void Validate()
    {
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"The outer learning rate must be positive, got {LearningRate}.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"The outer momentum must be in [0, 1), got {Momentum}.");
    }
}
