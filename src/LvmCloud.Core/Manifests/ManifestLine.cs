namespace LvmCloud.Core.Manifests;

/// <summary>One non-blank line of a manifest: a <see cref="BatchItem"/> or an <see cref="InvalidLine"/>.</summary>
/// <param name="LineNumber">1-based physical line number in the manifest.</param>
public abstract record ManifestLine(int LineNumber);
