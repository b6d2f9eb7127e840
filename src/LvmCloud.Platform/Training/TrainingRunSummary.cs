namespace LvmCloud.Platform.Training;

/// <summary>
/// One line of <c>GET /api/training</c>: a run's state, the model it registers and how far it got, read from its run
/// row alone (no round or shard rows).
/// </summary>
/// <param name="RoundsDone">Rounds merged: all of them once finished, else the round being trained (rounds count from 0).</param>
public sealed record TrainingRunSummary(
    string RunId,
    string State,
    bool CancelRequested,
    string OutputName,
    string OutputVersion,
    int RoundsDone,
    int Rounds,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? Reason)
{
    public static TrainingRunSummary From(RunEntity run) => new(
        run.RunId, run.State, run.CancelRequested, run.OutputName, run.OutputVersion,
        run.State == RunStates.Finished ? run.Rounds : Math.Min(run.Round, run.Rounds), run.Rounds,
        run.CreatedAt, run.FinishedAt, run.Reason);
}

/// <summary>A page of <c>GET /api/training</c>, newest first; <paramref name="ContinuationToken"/> asks for the next.</summary>
public sealed record TrainingRunList(IReadOnlyList<TrainingRunSummary> Runs, string? ContinuationToken);
