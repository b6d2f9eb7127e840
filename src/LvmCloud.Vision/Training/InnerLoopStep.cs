namespace LvmCloud.Vision.Training;

/// <summary>One optimizer step of <see cref="TransformerInnerLoop"/>, as its callbacks see it.</summary>
/// <param name="Step">Steps done after this one (step s of the schedule reports s + 1): the step a checkpoint resumes at.</param>
/// <param name="Loss">Mean next-token loss of the step's batch (summed over its micro-batches).</param>
/// <param name="LearningRate">The schedule's rate for the step.</param>
/// <param name="Tokens">Predicted tokens in the step's batch.</param>
/// <param name="EvalLoss">Held-out loss measured after the step, when one was due.</param>
/// <param name="Applied">False when the loss or gradient norm was not finite and the update was skipped.</param>
public sealed record InnerLoopStep(int Step, double Loss, double LearningRate, long Tokens, double? EvalLoss, bool Applied);
