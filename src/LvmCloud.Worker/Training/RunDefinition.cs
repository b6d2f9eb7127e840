using LvmCloud.Platform.Training;

namespace LvmCloud.Worker.Training;

/// <summary>A run's spec and plan as a job reads them.</summary>
public sealed record RunDefinition(string RunId, TrainingRunSpec Spec, TrainingPlan Plan);
