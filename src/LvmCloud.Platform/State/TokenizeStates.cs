namespace LvmCloud.Platform.State;

/// <summary>
/// Life of a retokenization run: planning (claimed, chunks being queued) → queued → finalizing (the last chunk is
/// in; one caller holds the claim) → finished. A run left planning by a planner that died is finished as abandoned.
/// A chunk: queued → running → succeeded | failed | superseded (its lines changed between planning and the job).
/// </summary>
public static class TokenizeStates
{
    public const string Planning = "planning";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Finalizing = "finalizing";
    public const string Finished = "finished";

    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Superseded = "superseded";

    /// <summary>Run outcomes.</summary>
    public const string OutcomeSucceeded = "succeeded";
    public const string OutcomePartial = "partial";
    public const string OutcomeFailed = "failed";
    public const string OutcomeAbandoned = "abandoned";

    public static bool IsTerminalChunk(string state) => state is Succeeded or Failed or Superseded;
}
