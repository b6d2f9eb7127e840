using LvmCloud.Platform.State.Lifecycles;

namespace LvmCloud.Platform.State;

/// <summary>Which changes of a retokenization run's state exist and who makes them (its chunks' states are their own).</summary>
public static class TokenizeRunLifecycle
{
    public static readonly Lifecycle Table = new("tokenize run",
        [TokenizeStates.Planning, TokenizeStates.Queued, TokenizeStates.Finalizing, TokenizeStates.Finished],
        [
            new(TokenizeStates.Planning, TokenizeStates.Queued, "planner: chunks recorded and enqueued"),
            new(TokenizeStates.Planning, TokenizeStates.Finished, "planner: the run's planner died; closed as abandoned by the next plan"),
            new(TokenizeStates.Queued, TokenizeStates.Finalizing, "finalizer: the last chunk is in"),
            new(TokenizeStates.Finalizing, TokenizeStates.Finished, "finalizer: index.json and the watermark written"),
        ]);

    /// <summary>Moves the run row to <paramref name="to"/>; throws <see cref="IllegalTransitionException"/> if that change is not allowed.</summary>
    public static void Move(TokenizeRunEntity run, string to) => Table.Move(run, to);
}
