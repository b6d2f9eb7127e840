namespace LvmCloud.Vision.Memory;

/// <summary>
/// A model (or a batch of rows, a training step, a DiLoCo merge) that does not fit the memory this process may use, found from the
/// plan before any weight is loaded. The message gives the numbers and the fixes: another dtype that would fit, a
/// machine with more memory, fewer rows or a shorter sequence; for training a smaller batch, shorter sequences or a
/// smaller model; for a DiLoCo merge a machine with the memory its peak needs. The CLI maps it to its own exit code; the worker fails the items (or the training shard) for good.
/// </summary>
public sealed class ModelDoesNotFitException : Exception
{
    /// <summary>A model whose <paramref name="rows"/> generation rows do not fit under <paramref name="plan"/>.</summary>
    public ModelDoesNotFitException(MemoryPlan plan, int rows) : base(MemoryPlanner.Refusal(plan, rows))
    {
        Plan = plan;
        Rows = rows;
    }

    /// <summary>A training step whose micro-batch does not fit under <paramref name="training"/>.</summary>
    public ModelDoesNotFitException(TrainingPlan training) : base(MemoryPlanner.TrainingRefusal(training))
    {
        Training = training;
        Rows = training.BatchSize;
    }

    /// <summary>A DiLoCo merge whose peak does not fit under <paramref name="merge"/>.</summary>
    public ModelDoesNotFitException(MergePlan merge) : base(MemoryPlanner.MergeRefusal(merge))
    {
        Merge = merge;
        Rows = 0;
    }

    /// <summary>The reason code items carry (<see cref="MemoryPlan.ModelDoesNotFitCode"/>).</summary>
    public string Code => MemoryPlan.ModelDoesNotFitCode;

    /// <summary>The inference plan that was refused; null for a training refusal.</summary>
    public MemoryPlan? Plan { get; }

    /// <summary>The training plan that was refused; null for an inference or merge refusal.</summary>
    public TrainingPlan? Training { get; }

    /// <summary>The merge plan that was refused; null for an inference or training refusal.</summary>
    public MergePlan? Merge { get; }

    /// <summary>Rows that were asked for (generation rows, or training sequences per micro-batch; 0 for a merge).</summary>
    public int Rows { get; }
}
