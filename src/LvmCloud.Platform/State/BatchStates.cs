namespace LvmCloud.Platform.State;

/// <summary>
/// Life of a batch: awaiting-upload → planning (manifest arrived) → queued → running (an item started) → finalizing →
/// finished | cancelled. The allowed changes and who makes them: <see cref="BatchLifecycle"/>.
/// </summary>
public static class BatchStates
{
    public const string AwaitingUpload = "awaiting-upload";
    public const string Planning = "planning";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Finalizing = "finalizing";
    public const string Finished = "finished";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string state) => state is Finished or Cancelled;

    /// <summary>Planned and not closed: its items are on the queue or being worked on.</summary>
    public static bool IsActive(string state) => state is Queued or Running;
}
