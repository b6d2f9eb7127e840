namespace LvmCloud.Core.Manifests;

/// <summary>The outcome of parsing a manifest: effective defaults, good items and failed lines.</summary>
public sealed record ParsedManifest(BatchDefaults Defaults, IReadOnlyList<BatchItem> Items, IReadOnlyList<InvalidLine> Invalid)
{
    /// <summary>Items and invalid lines together, in line order.</summary>
    public IEnumerable<ManifestLine> Lines =>
        Items.Cast<ManifestLine>().Concat(Invalid).OrderBy(line => line.LineNumber);
}
