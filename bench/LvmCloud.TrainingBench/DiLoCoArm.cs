using System.Globalization;

namespace LvmCloud.TrainingBench;

/// <summary>
/// One DiLoCo run of the comparison: its H, its rounds (the total steps over H), its outer learning rate and what its
/// shards send the merge (<c>outer.compression</c>: none, int8 or int4).
/// </summary>
internal sealed record DiLoCoArm(int InnerSteps, int Rounds, double OuterLearningRate, string Compression = "none")
{
    private string CompressionSuffix => Compression == "none" ? "" : $", {Compression}";

    /// <summary>How tables and the plot name the arm.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"DiLoCo H={InnerSteps} outer lr {OuterLearningRate}{CompressionSuffix}");

    /// <summary>The plot legend's shorter name.</summary>
    public string ShortLabel => string.Create(CultureInfo.InvariantCulture, $"H={InnerSteps} lr {OuterLearningRate}{CompressionSuffix}");
}
