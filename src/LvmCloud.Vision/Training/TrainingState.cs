namespace LvmCloud.Vision.Training;

/// <summary>What a run saved at a step, beside the weights and the optimizer state.</summary>
/// <param name="Step">Optimizer steps done: the run resumes at this step.</param>
/// <param name="Seed">The run's seed (weights and data order).</param>
/// <param name="Kind">Which trainer wrote it (a transformer run never resumes a tokenizer checkpoint).</param>
/// <param name="LastLoss">Training loss of the last step before the checkpoint.</param>
/// <param name="Extra">Trainer-specific numbers.</param>
/// <param name="Folder">Set by <see cref="CheckpointStore"/>: the step folder this state commits. Callers leave it null.</param>
public sealed record TrainingState(int Step, int Seed, string Kind, double LastLoss, Dictionary<string, double>? Extra = null, string? Folder = null);
