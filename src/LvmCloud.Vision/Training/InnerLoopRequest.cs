namespace LvmCloud.Vision.Training;

/// <summary>
/// What one <see cref="TransformerInnerLoop.RunAsync"/> call runs: steps <paramref name="Steps"/> of the schedule on
/// <paramref name="Train"/>, batches drawn by <see cref="DataOrder"/> (seeded by the options' seed) as a function of the
/// step. Logging and checkpointing are the caller's, through the callbacks, so the same loop serves <c>lvm train</c>
/// (a run folder, loss.csv) and a job that keeps its checkpoints in blob storage.
/// </summary>
/// <param name="Train">Equal-length sequences to train on (a run's data, or one shard's).</param>
/// <param name="Steps">The steps to run.</param>
public sealed record InnerLoopRequest(TokenSequences Train, StepRange Steps)
{
    /// <summary>Held-out sequences: evaluated every <c>EvalEvery</c> steps and at the schedule's last step.</summary>
    public TokenSequences? Eval { get; init; }

    /// <summary>Also evaluate after the range's last step (a job that reports its held-out loss).</summary>
    public bool EvaluateAtEnd { get; init; }

    /// <summary>Called after every step (progress, loss logs).</summary>
    public Func<InnerLoopStep, CancellationToken, Task>? OnStep { get; init; }

    /// <summary>
    /// Called after every <c>CheckpointEvery</c>-th step and after the range's last step, once the update is applied:
    /// the model and optimizer then hold the state to resume at <see cref="InnerLoopStep.Step"/> (save it with
    /// <see cref="CheckpointStore.SaveAsync"/>).
    /// </summary>
    public Func<InnerLoopStep, CancellationToken, Task>? OnCheckpoint { get; init; }
}
