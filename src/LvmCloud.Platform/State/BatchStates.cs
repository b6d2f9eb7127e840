namespace LvmCloud.Platform.State;

/// <summary>Life of a batch: created → planning (manifest arrived) → queued → finalizing → finished | cancelled.</summary>
public static class BatchStates
{
    public const string AwaitingUpload = "awaiting-upload";
    public const string Planning = "planning";
    public const string Queued = "queued";
    public const string Finalizing = "finalizing";
    public const string Finished = "finished";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string state) => state is Finished or Cancelled;
}
