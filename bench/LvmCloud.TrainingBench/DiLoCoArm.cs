using System.Globalization;

namespace LvmCloud.TrainingBench;

/// <summary>One DiLoCo run of the comparison: its H, its rounds (the total steps over H) and its outer learning rate.</summary>
internal sealed record DiLoCoArm(int InnerSteps, int Rounds, double OuterLearningRate)
{
    /// <summary>How tables and the plot name the arm.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"DiLoCo H={InnerSteps} outer lr {OuterLearningRate}");

    /// <summary>The plot legend's shorter name.</summary>
    public string ShortLabel => string.Create(CultureInfo.InvariantCulture, $"H={InnerSteps} lr {OuterLearningRate}");
}
