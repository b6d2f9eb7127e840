namespace LvmCloud.Vision.Memory;

/// <summary>
/// A model (or a batch of rows) that does not fit the memory this process may use, found from the plan before any
/// weight is loaded. The message gives the numbers and the fixes: another dtype that would fit, a machine with more
/// memory, fewer rows or a shorter sequence. The CLI maps it to its own exit code; the worker fails the items for good.
/// </summary>
public sealed class ModelDoesNotFitException(MemoryPlan plan, int rows) : Exception(MemoryPlanner.Refusal(plan, rows))
{
    /// <summary>The reason code items carry (<see cref="MemoryPlan.ModelDoesNotFitCode"/>).</summary>
    public string Code => MemoryPlan.ModelDoesNotFitCode;

    public MemoryPlan Plan { get; } = plan;

    /// <summary>Rows that were asked for.</summary>
    public int Rows { get; } = rows;
}
