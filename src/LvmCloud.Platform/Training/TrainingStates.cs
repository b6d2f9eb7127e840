namespace LvmCloud.Platform.Training;

/// <summary>Life of a run: running → finished | failed | cancelled; a failed or cancelled run may be resumed (→ running).</summary>
public static class RunStates
{
    public const string Running = "running";
    public const string Finished = "finished";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string state) => state is Finished or Failed or Cancelled;
}

/// <summary>Life of a round: training (its shard jobs) → merging (one claim) → merged.</summary>
public static class RoundStates
{
    public const string Training = "training";
    public const string Merging = "merging";
    public const string Merged = "merged";
}

/// <summary>Life of a shard job: queued → running → succeeded | failed; queued → cancelled; failed | cancelled → queued on resume.</summary>
public static class ShardStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string state) => state is Succeeded or Failed or Cancelled;
}
