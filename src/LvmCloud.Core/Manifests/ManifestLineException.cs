namespace LvmCloud.Core.Manifests;

/// <summary>Stops validating one line; becomes an <see cref="InvalidLine"/>.</summary>
internal sealed class ManifestLineException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
