namespace LvmCloud.Core.Paths;

/// <summary>Why a relative path was refused.</summary>
/// <param name="Reason">Machine-readable code, e.g. <c>path-traversal</c>.</param>
/// <param name="Message">Human-readable explanation naming the path.</param>
public sealed record PathProblem(string Reason, string Message);
