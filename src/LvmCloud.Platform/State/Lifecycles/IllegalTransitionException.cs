namespace LvmCloud.Platform.State.Lifecycles;

/// <summary>A change of state that the kind's lifecycle does not allow (e.g. cancelling a finished run): a bug or a stale read, never retried.</summary>
public sealed class IllegalTransitionException(string kind, string subject, string from, string to, IReadOnlyList<string> allowed)
    : InvalidOperationException($"The {kind} {subject} cannot move from '{from}' to '{to}': from '{from}' it may only move to {(allowed.Count == 0 ? "nothing (it is final)" : string.Join(", ", allowed.Select(s => $"'{s}'")))}.")
{
    public string Kind { get; } = kind;
    public string From { get; } = from;
    public string To { get; } = to;
}
