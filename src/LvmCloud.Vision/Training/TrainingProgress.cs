namespace LvmCloud.Vision.Training;

/// <summary>What a trainer reports after each optimizer step (for progress bars).</summary>
public sealed record TrainingStep(int Step, int TotalSteps, double Loss, double LearningRate, double? EvalLoss, string? Note = null);

/// <summary>The outcome of a training call.</summary>
public sealed record TrainingResult(int StartStep, int EndStep, double FinalLoss, double? FinalEvalLoss, IReadOnlyList<double> StepLosses);
