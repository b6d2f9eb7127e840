using System.CommandLine;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Output;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary>
/// <c>lvm datasets upload DIR --name NAME</c>: uploads a dataset folder (the images its <c>sentences.jsonl</c> names,
/// then <c>sentences.jsonl</c> last: that upload is what plans the retokenization). Each image goes with its MD5, and
/// the platform grants no URL for an image it already holds with that content, so uploading a grown folder again
/// sends only what is new and leaves unchanged images' versions alone. The files are announced in pages of at most
/// <see cref="FilesPerRequest"/> (the platform's per-request limit), so a dataset of any size uploads. Once
/// <c>sentences.jsonl</c> is up, the command asks the platform to plan the retokenization (what the upload's trigger
/// also does; the planner runs it once) and says which run it started, or that the shards are current.
/// </summary>
public sealed class DatasetsUploadCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "upload", "Upload a dataset folder: its images, then sentences.jsonl (which plans a retokenization).")
{
    public const string SentencesFileName = "sentences.jsonl";
    /// <summary>Files announced per <c>POST /api/datasets/{dataset}/uploads</c>: the platform's <c>Intake:MaxFilesPerUpload</c> out of the box.</summary>
    public const int FilesPerRequest = 10_000;
    private const int ParallelUploads = 4;

    private readonly Argument<DirectoryInfo> _folder = new("DIR") { Description = "Dataset folder: sentences.jsonl and the images it names (paths relative to the folder)." };
    private readonly Option<string> _name = new("--name") { Description = "Dataset name on the platform (datasets/NAME/).", Required = true };

    private readonly Option<int> _filesPerRequest = new("--files-per-request")
    {
        Description = $"Files announced per upload request (default {FilesPerRequest}, the platform's limit; lower it for a platform configured lower).",
        DefaultValueFactory = _ => FilesPerRequest,
        Hidden = true,
    };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_folder);
        command.Options.Add(_name);
        command.Options.Add(_filesPerRequest);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var folder = parse.GetValue(_folder)!.FullName;
        var name = parse.GetValue(_name)!;
        var sentencesPath = Path.Combine(folder, SentencesFileName);
        if (!File.Exists(sentencesPath))
            throw new UserInputException($"'{sentencesPath}' not found: a dataset folder holds a {SentencesFileName} listing its images.");
        var sentencesBytes = await File.ReadAllBytesAsync(sentencesPath, cancellationToken);
        var parsed = VisualSentenceParser.Parse(System.Text.Encoding.UTF8.GetString(sentencesBytes));
        if (parsed.Invalid.Count > 0)
            console.Info($"{CommandOutput.Count(parsed.Invalid.Count, "line")} of {SentencesFileName} {(parsed.Invalid.Count == 1 ? "is" : "are")} invalid (first: line {parsed.Invalid[0].LineNumber}, {parsed.Invalid[0].Error}); the platform skips them with their reasons.");

        var images = new List<(string Path, string Local, string Md5)>();
        foreach (var path in parsed.Sentences.SelectMany(s => s.Images).Distinct(StringComparer.Ordinal))
        {
            var local = Path.Combine(folder, path.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(local))
            {
                console.Info($"Image '{path}' is not in {folder}; sentences using it will be skipped as not-found.");
                continue;
            }
            await using var stream = File.OpenRead(local);
            images.Add((path, local, Convert.ToBase64String(await MD5.HashDataAsync(stream, cancellationToken))));
        }

        var announced = images.Select(i => new DatasetUploadFileView(i.Path, i.Md5)).Append(new DatasetUploadFileView(SentencesFileName, null)).ToList();
        var grant = await AnnounceAsync(api, name, announced, parse.GetValue(_filesPerRequest), cancellationToken);
        var toUpload = images.Where(i => grant.Uploads.ContainsKey(i.Path)).ToList();
        console.Info($"Dataset {name}: uploading {toUpload.Count} images ({grant.Unchanged.Count} unchanged), then {SentencesFileName}.");

        await console.WithProgressAsync("upload", toUpload.Count + 1, async progress =>
        {
            await Parallel.ForEachAsync(toUpload, new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken }, async (file, ct) =>
            {
                await using var stream = File.OpenRead(file.Local);
                await new BlobClient(grant.Uploads[file.Path]).UploadAsync(stream, overwrite: true, ct);
                progress.Advance(1);
            });
            var sentencesUrl = grant.Uploads.TryGetValue(SentencesFileName, out var url) ? url
                : throw new InvalidOperationException($"The platform granted no upload URL for '{SentencesFileName}'.");
            await new BlobClient(sentencesUrl).UploadAsync(BinaryData.FromBytes(sentencesBytes), overwrite: true, cancellationToken);
            progress.Advance(1, SentencesFileName);
            return true;
        });

        var plan = await PlanTokenizeAsync(api, name, console, cancellationToken);
        var answer = new UploadAnswer(name, parsed.Sentences.Count, parsed.Invalid.Count, toUpload.Count, grant.Unchanged.Count, toUpload.Sum(i => new FileInfo(i.Local).Length),
            plan?.Status, plan?.RunId, plan?.TokenizerId);
        console.Write(answer, () => console.WriteLine(name));
        return ExitCodes.Success;
    }

    /// <summary>Announces <paramref name="files"/> in pages of <paramref name="perRequest"/> (each request is answered on its own) and merges the grants.</summary>
    internal static async Task<DatasetUploadGrantView> AnnounceAsync(PlatformApiClient api, string dataset, IReadOnlyList<DatasetUploadFileView> files, int perRequest, CancellationToken cancellationToken)
    {
        if (perRequest < 1)
            throw new UserInputException($"--files-per-request must be at least 1, got {perRequest}.");
        var uploads = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var unchanged = new List<string>();
        var expiresOn = DateTimeOffset.MaxValue;
        foreach (var page in files.Chunk(perRequest))
        {
            var grant = await api.CreateDatasetUploadAsync(dataset, page, cancellationToken);
            foreach (var (path, url) in grant.Uploads)
                uploads[path] = url;
            unchanged.AddRange(grant.Unchanged);
            expiresOn = grant.ExpiresOn < expiresOn ? grant.ExpiresOn : expiresOn;
        }
        return new DatasetUploadGrantView(dataset, expiresOn, uploads, unchanged);
    }

    /// <summary>Plans the retokenization the new <c>sentences.jsonl</c> calls for and says what it started; null (with a note) when the platform refused to plan.</summary>
    private static async Task<TokenizePlanView?> PlanTokenizeAsync(PlatformApiClient api, string dataset, CommandOutput console, CancellationToken cancellationToken)
    {
        TokenizePlanView plan;
        try
        {
            plan = await api.TokenizeDatasetAsync(dataset, force: false, tokenizer: null, cancellationToken);
        }
        catch (PlatformApiException e)
        {
            console.Info($"Dataset {dataset} is uploaded, but no tokenize run could be planned: {e.Message}");
            return null;
        }
        console.Info(plan.Status switch
        {
            "planned" or "already-planned" =>
                $"Started tokenize run {plan.RunId} of {dataset} with {plan.TokenizerId}: {CommandOutput.Count(plan.ChunksQueued, "chunk")} of {plan.ChunkCount} queued ('lvm datasets tokenize {dataset} --wait' follows it).",
            "in-progress" => $"Tokenize run {plan.RunId} of {dataset} with {plan.TokenizerId} is running: {plan.Message}",
            _ => $"No tokenize run started for {dataset} with {plan.TokenizerId} ({plan.Status}): {plan.Message}",
        });
        return plan;
    }

    private sealed record UploadAnswer(string Dataset, int Sentences, int InvalidLines, int ImagesUploaded, int ImagesUnchanged, long Bytes,
        string? TokenizeStatus, string? TokenizeRunId, string? TokenizerId);
}
