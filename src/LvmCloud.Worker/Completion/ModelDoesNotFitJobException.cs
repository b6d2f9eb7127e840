using LvmCloud.Platform.Queues;
using LvmCloud.Vision.Memory;

namespace LvmCloud.Worker.Completion;

/// <summary>
/// A model whose memory plan does not fit this worker (<see cref="ModelDoesNotFitException"/>): permanent, since
/// another delivery to the same worker cannot fit it either. The generate handler fails the items that need it with
/// <see cref="MemoryPlan.ModelDoesNotFitCode"/> and the plan's message, on their first delivery; a <c>train-shard</c>
/// job whose training step does not fit fails its shard (and so the run) with the code and the training plan's message.
/// </summary>
public sealed class ModelDoesNotFitJobException(string message, ModelDoesNotFitException inner) : PermanentJobException(message, inner)
{
    /// <summary>The reason code the items carry.</summary>
    public string Code => MemoryPlan.ModelDoesNotFitCode;
}
