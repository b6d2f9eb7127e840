using LvmCloud.Platform.State.Lifecycles;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Which changes of a training run's state exist and who makes them: the Functions' run service (submit, cancel,
/// resume), the rounds bookkeeping shared by both sides, and the worker's round merger. A round's and a shard's
/// states are their own (<see cref="RoundStates"/>, <see cref="ShardStates"/>).
/// </summary>
public static class TrainingRunLifecycle
{
    public static readonly Lifecycle Table = new("training run",
        [RunStates.Running, RunStates.Finished, RunStates.Failed, RunStates.Cancelled],
        [
            new(RunStates.Running, RunStates.Finished, "worker (round merger): the last round merged and the model registered"),
            new(RunStates.Running, RunStates.Failed, "run service: the spec is invalid; rounds: a shard job failed for good, or a merge kept failing"),
            new(RunStates.Running, RunStates.Cancelled, "run service: cancelled with no job running; worker (round merger or rounds): cancelled once the running jobs finished"),
            new(RunStates.Failed, RunStates.Running, "run service: resumed from the last merged round"),
            new(RunStates.Cancelled, RunStates.Running, "run service: resumed from the last merged round"),
        ]);

    /// <summary>Moves the run row to <paramref name="to"/>; throws <see cref="State.Lifecycles.IllegalTransitionException"/> if that change is not allowed.</summary>
    public static void Move(RunEntity run, string to) => Table.Move(run, to);
}
