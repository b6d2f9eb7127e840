namespace LvmCloud.Vision.Pipelines;

/// <summary>How new image tokens are drawn: temperature (0 = greedy), nucleus mass and top-k (0 = off).</summary>
public sealed record SamplingSettings(float Temperature = 1f, float TopP = 1f, int TopK = 0);
