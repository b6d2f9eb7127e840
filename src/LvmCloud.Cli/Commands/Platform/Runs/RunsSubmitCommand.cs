using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Runs;

/// <summary>
/// <c>lvm train-submit RUN_JSON</c>: starts a training run from a run.json. The run's own shards (entries under
/// <c>data/</c> that exist beside the run.json) are uploaded first with SAS URLs from <c>POST /api/training/uploads</c>;
/// registered shards (<c>tokens/...</c>) are used where they are. Prints the run id.
/// </summary>
public sealed class RunsSubmitCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "submit", "Start a training run (DiLoCo rounds of train-shard jobs) from a run.json; uploads its local data/ shards first; prints the run id.")
{
    private const int ParallelUploads = 4;
    private const string DataFolder = "data/";

    private readonly Argument<FileInfo> _spec = new("RUN_JSON") { Description = "The run.json (see docs/training.md, \"Training on the platform\")." };
    private readonly Option<DirectoryInfo> _data = new("--data") { Description = "Folder the run's data/... paths are relative to (default: the run.json's folder)." };
    private readonly Option<string> _runId = new("--run-id") { Description = "The run's id (default: runId in the file, else a new one)." };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_spec);
        command.Options.Add(_data);
        command.Options.Add(_runId);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var file = parse.GetValue(_spec)!;
        if (!file.Exists)
            throw new UserInputException($"'{file.FullName}' does not exist.");
        var root = Parse(await File.ReadAllTextAsync(file.FullName, cancellationToken), file.FullName);
        if (parse.GetValue(_runId) is { Length: > 0 } runId)
            root["runId"] = runId;
        var baseDir = parse.GetValue(_data)?.FullName ?? file.DirectoryName!;
        var uploads = LocalData(root, baseDir);

        if (uploads.Count > 0)
        {
            if (root["runId"] is not null)
                throw new UserInputException("The run has local data/ shards to upload, which needs a new run id: leave runId (and --run-id) out.");
            var grant = await api.CreateTrainingUploadsAsync(uploads.Keys.ToList(), cancellationToken);
            console.Info($"Run {grant.RunId}: uploading {CommandOutput.Count(uploads.Count, "data file")} ({uploads.Values.Sum(f => new FileInfo(f).Length):N0} bytes).");
            await console.WithProgressAsync("upload", uploads.Count, async progress =>
            {
                await Parallel.ForEachAsync(uploads, new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken }, async (upload, ct) =>
                {
                    if (!grant.Uploads.TryGetValue(upload.Key, out var url))
                        throw new InvalidOperationException($"The platform granted no upload URL for '{upload.Key}'.");
                    await using var stream = File.OpenRead(upload.Value);
                    await new BlobClient(url).UploadAsync(stream, overwrite: true, ct);
                    progress.Advance(1);
                });
                return true;
            });
            root["runId"] = grant.RunId;
        }

        var status = await api.StartTrainingAsync(root.ToJsonString(), cancellationToken);
        console.Info($"Run {status.RunId} started: {status.Rounds} rounds of {status.ShardsPerRound} shard jobs x {status.InnerSteps} inner steps, registering {status.Model}.");
        if (console.JsonOutput)
            console.WriteJson(status);
        else
            console.WriteLine(status.RunId);
        return ExitCodes.Success;
    }

    private static JsonObject Parse(string text, string path)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new UserInputException($"'{path}' is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new UserInputException($"'{path}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The data/ entries of data.train and data.eval that exist locally: upload path → local file.</summary>
    private static SortedDictionary<string, string> LocalData(JsonObject root, string baseDir)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var data = root["data"] as JsonObject;
        foreach (var list in new[] { data?["train"], data?["eval"] }.OfType<JsonArray>())
            foreach (var entry in list.Select(e => e?.GetValueKind() == JsonValueKind.String ? e.GetValue<string>() : null).OfType<string>())
            {
                if (!entry.StartsWith(DataFolder, StringComparison.Ordinal) || entry.Split('/').Any(s => s is ".." or "."))
                    continue;
                var local = Path.Combine(baseDir, entry.Replace('/', Path.DirectorySeparatorChar));
                if (entry.EndsWith('/') && Directory.Exists(local))
                {
                    foreach (var shard in Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".bin", StringComparison.Ordinal) || f.EndsWith(".jsonl", StringComparison.Ordinal)))
                        files[Path.GetRelativePath(baseDir, shard).Replace(Path.DirectorySeparatorChar, '/')] = shard;
                }
                else if (File.Exists(local))
                {
                    files[entry] = local;
                }
            }
        return files;
    }
}
