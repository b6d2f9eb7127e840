using LvmCloud.Core.Manifests;

namespace LvmCloud.Vision.Pipelines;

/// <summary>
/// Output file names, shared by <c>lvm complete</c> and the worker so that both write the same layout
/// (<c>items/{id}/...</c> locally, <c>results/{batchId}/items/{id}/...</c> in blob storage). Names are
/// deterministic: a redo overwrites the same files.
/// </summary>
public static class OutputNames
{
    public const string ContactSheetName = "contact-sheet.png";

    /// <summary>The item's folder, relative to the batch's output root.</summary>
    public static string ItemFolder(string itemId) => $"items/{itemId}";

    /// <summary>
    /// File name of new frame <paramref name="frame"/> of candidate <paramref name="candidate"/>: the manifest's
    /// <c>output</c> name when the item asks for one frame and one candidate, else <c>{stem}-c{c}-f{f}.png</c>.
    /// </summary>
    public static string FrameName(BatchItem item, int candidate, int frame)
    {
        string name = Path.GetFileName(item.Output);
        if (item.Generation.Candidates == 1 && item.Generation.NewFrames == 1) return name;
        return $"{Path.GetFileNameWithoutExtension(name)}-c{candidate}-f{frame}.png";
    }

    /// <summary>Every output file of an item, candidate-major, relative to the batch's output root.</summary>
    public static IReadOnlyList<string> AllFrames(BatchItem item)
    {
        var list = new List<string>();
        for (int c = 0; c < item.Generation.Candidates; c++)
            for (int f = 0; f < item.Generation.NewFrames; f++)
                list.Add($"{ItemFolder(item.Id)}/{FrameName(item, c, f)}");
        return list;
    }

    public static string ContactSheet(BatchItem item) => $"{ItemFolder(item.Id)}/{ContactSheetName}";
}
