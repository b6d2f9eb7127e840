namespace LvmCloud.Platform.State;

/// <summary>Life of an item: queued → running → succeeded | failed; queued → cancelled; invalid lines start failed.</summary>
public static class ItemStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Queued, Running, Succeeded, Failed, Cancelled];

    public static bool IsTerminal(string state) => state is Succeeded or Failed or Cancelled;
}
