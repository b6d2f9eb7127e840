namespace LvmCloud.Platform.State.Lifecycles;

/// <summary>One allowed change of state: from, to, and who makes it (and why).</summary>
public sealed record LifecycleTransition(string From, string To, string Actor);
