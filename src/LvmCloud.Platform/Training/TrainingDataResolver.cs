using Azure;
using Azure.Storage.Blobs.Models;
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
            var container = clients.Blobs.GetBlobContainerClient(location!.Container);
            if (location.IsFolder)
            {
                var found = new List<BlobItem>();
                await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, location.Path, cancellationToken))
                    found.Add(blob);
                var names = found.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
                var shards = found
                    .Where(b => b.Name.EndsWith(".bin", StringComparison.Ordinal)
                                || (b.Name.EndsWith(".jsonl", StringComparison.Ordinal) && !names.Contains(b.Name[..^".jsonl".Length] + ".bin")))
                    .OrderBy(b => b.Name, StringComparer.Ordinal)
                    .ToList();
                if (shards.Count == 0)
                    problems.Add($"{what}: '{entry}' ({location}) holds no token shards (.bin or .jsonl)");
                files.AddRange(shards.Select(b => new DataFile(location.Container, b.Name, b.Properties.ContentLength ?? 0, b.Properties.ETag?.ToString() ?? "")));
            }
            else
            {
                try
                {
                    var properties = (await container.GetBlobClient(location.Path).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
                    files.Add(new DataFile(location.Container, location.Path, properties.ContentLength, properties.ETag.ToString()));
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    problems.Add($"{what}: '{entry}' does not exist ({location})");
                }
            }
        }
        if (files.Count > TrainingLimits.MaxDataFiles)
            problems.Add($"{what} resolves to {files.Count} files, at most {TrainingLimits.MaxDataFiles}");
        return (files, problems);
    }
}
