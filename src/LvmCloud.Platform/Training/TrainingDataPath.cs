using LvmCloud.Core.Paths;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Training;

/// <summary>A token shard file, or a folder of them (path ending in '/'), in a blob container.</summary>
public sealed record DataLocation(string Container, string Path)
{
    public bool IsFolder => Path.EndsWith('/');

    public override string ToString() => $"{Container}/{Path}";
}

/// <summary>
/// Where a run's data entries may point: registered shards (<c>tokens/...</c>) or the run's own <c>data/</c> folder
/// (<c>data/...</c>, or spelt out as <c>training/{runId}/data/...</c>). Paths follow the manifest path rules (no '..',
/// no absolute paths or URLs), so no entry reaches another run, another container or outside the account.
/// </summary>
public static class TrainingDataPath
{
    public const string RunDataFolder = "data";

    /// <summary>Null and the location when the entry is allowed, else why not.</summary>
    public static string? Resolve(string? entry, string runId, out DataLocation? location)
    {
        location = null;
        if (string.IsNullOrEmpty(entry))
            return "an entry is empty";
        var folder = entry.EndsWith('/');
        var path = folder ? entry[..^1] : entry;
        if (RelativePath.Check(path) is { } problem)
            return $"'{entry}': {problem.Message}";
        var segments = path.Split('/');
        if (!folder && !(path.EndsWith(".bin", StringComparison.Ordinal) || path.EndsWith(".jsonl", StringComparison.Ordinal)))
            return $"'{entry}' is neither a token shard (.bin or .jsonl) nor a folder (ending in '/')";

        if (segments[0] == StorageLayout.TokensContainer)
        {
            if (segments.Length < 2)
                return $"'{entry}' names the whole tokens container: name a dataset's folder or shard";
            location = new DataLocation(StorageLayout.TokensContainer, path[(segments[0].Length + 1)..] + (folder ? "/" : ""));
            return null;
        }
        if (segments[0] == StorageLayout.TrainingContainer)
        {
            if (segments.Length < 3 || segments[1] != runId || segments[2] != RunDataFolder)
                return $"'{entry}' is outside this run's data folder (training/{runId}/{RunDataFolder}/)";
            location = new DataLocation(StorageLayout.TrainingContainer, path[(segments[0].Length + 1)..] + (folder ? "/" : ""));
            return null;
        }
        if (segments[0] != RunDataFolder || segments.Length < 2)
            return $"'{entry}' is neither under tokens/ (registered shards) nor under the run's {RunDataFolder}/ folder";
        location = new DataLocation(StorageLayout.TrainingContainer, $"{runId}/{path}" + (folder ? "/" : ""));
        return null;
    }
}
