namespace LvmCloud.Vision.Training;

/// <summary>What one <see cref="TransformerInnerLoop.RunAsync"/> call did.</summary>
/// <param name="Steps">The steps it ran.</param>
/// <param name="StepLosses">The loss of each step, in order.</param>
/// <param name="Tokens">Predicted tokens trained on, over all steps.</param>
/// <param name="FinalLoss">The last step's loss (NaN for an empty range).</param>
/// <param name="EvalLoss">The last held-out loss measured in the range, or null.</param>
/// <param name="SkippedSteps">Steps whose update was skipped (non-finite loss or gradient norm).</param>
public sealed record InnerLoopResult(StepRange Steps, IReadOnlyList<double> StepLosses, long Tokens, double FinalLoss, double? EvalLoss, int SkippedSteps);
