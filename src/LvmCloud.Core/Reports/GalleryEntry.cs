using LvmCloud.Core.Manifests;
using LvmCloud.Core.Results;

namespace LvmCloud.Core.Reports;

/// <summary>One item of a gallery: its result and links (relative to the gallery page) to its prompt and target images.</summary>
public sealed record GalleryEntry(ResultRecord Result, IReadOnlyList<string> PromptLinks, IReadOnlyList<string> TargetLinks)
{
    /// <summary>Links an item's inputs and targets through <paramref name="inputsPrefix"/> (e.g. <c>"../inputs/"</c>), or none if the item is unknown.</summary>
    public static GalleryEntry For(ResultRecord result, BatchItem? item, string inputsPrefix)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(inputsPrefix);
        return item is null
            ? new GalleryEntry(result, [], [])
            : new GalleryEntry(result, [.. item.Input.Select(p => inputsPrefix + p)], [.. item.Target.Select(p => inputsPrefix + p)]);
    }
}
