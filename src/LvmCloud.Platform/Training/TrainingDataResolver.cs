using LvmCloud.Core.Storage;
using LvmCloud.Platform.Storage;

namespace LvmCloud.Platform.Training;

/// <summary>
/// Turns a run's data entries into the files of its <see cref="TrainingPlan"/>: a file must exist; a folder gives its
/// <c>.bin</c> shards, and its <c>.jsonl</c> shards that have no binary twin, in path order. Each file keeps the
/// version (ETag) it had, so the run can tell if one changes under it.
/// </summary>
public sealed class TrainingDataResolver(StorageClients clients)
{
    /// <summary>The files, and a problem per entry that resolves to nothing.</summary>
    public async Task<(List<DataFile> Files, List<string> Problems)> ResolveAsync(string what, IReadOnlyList<string>? entries, string runId, CancellationToken cancellationToken)
    {
        var files = new List<DataFile>();
        var problems = new List<string>();
        foreach (var entry in entries ?? [])
        {
            if (TrainingDataPath.Resolve(entry, runId, out var location) is { } problem)
            {
                problems.Add($"{what}: {problem}");
                continue;
            }
            var container = clients.FilesIn(location!.Container);
            if (location.IsFolder)
            {
                var found = new List<StoredFile>();
                await foreach (var file in container.ListAsync(location.Path, cancellationToken))
                    found.Add(file);
                var names = found.Select(b => b.Path).ToHashSet(StringComparer.Ordinal);
                var shards = found
                    .Where(b => b.Path.EndsWith(".bin", StringComparison.Ordinal)
                                || (b.Path.EndsWith(".jsonl", StringComparison.Ordinal) && !names.Contains(b.Path[..^".jsonl".Length] + ".bin")))
                    .OrderBy(b => b.Path, StringComparer.Ordinal)
                    .ToList();
                if (shards.Count == 0)
                    problems.Add($"{what}: '{entry}' ({location}) holds no token shards (.bin or .jsonl)");
                files.AddRange(shards.Select(b => new DataFile(location.Container, b.Path, b.Length, b.Version)));
            }
            else if (await container.GetInfoAsync(location.Path, cancellationToken) is { } file)
                files.Add(new DataFile(location.Container, location.Path, file.Length, file.Version));
            else
                problems.Add($"{what}: '{entry}' does not exist ({location})");
        }
        if (files.Count > TrainingLimits.MaxDataFiles)
            problems.Add($"{what} resolves to {files.Count} files, at most {TrainingLimits.MaxDataFiles}");
        return (files, problems);
    }
}
