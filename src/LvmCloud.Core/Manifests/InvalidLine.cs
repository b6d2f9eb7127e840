namespace LvmCloud.Core.Manifests;

/// <summary>A manifest line that failed on its own; the rest of the batch goes on.</summary>
/// <param name="LineNumber">1-based line in the manifest.</param>
/// <param name="Id">The line's id when it could be read (given or derived), else null.</param>
/// <param name="Reason">Machine-readable code (<see cref="ManifestErrorReason"/> or a path code).</param>
/// <param name="Error">What is wrong, naming the field.</param>
public sealed record InvalidLine(int LineNumber, string? Id, string Reason, string Error) : ManifestLine(LineNumber)
{
    /// <summary>The id to report this line under: its own, or <c>line-{n:D5}</c>.</summary>
    public string ResultId => Id ?? $"line-{LineNumber:D5}";
}
