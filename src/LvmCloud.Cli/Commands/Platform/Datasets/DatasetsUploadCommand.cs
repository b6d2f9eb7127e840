using System.CommandLine;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Interaction;
using LvmCloud.Core.Sentences;

namespace LvmCloud.Cli.Commands.Platform.Datasets;

/// <summary>
/// <c>lvm datasets upload DIR --name NAME</c>: uploads a dataset folder (the images its <c>sentences.jsonl</c> names,
/// then <c>sentences.jsonl</c> last: that upload is what plans the retokenization). Each image goes with its MD5, and
/// the platform grants no URL for an image it already holds with that content, so uploading a grown folder again
/// sends only what is new and leaves unchanged images' versions alone.
/// </summary>
public sealed class DatasetsUploadCommand() : PlatformCommand("upload", "Upload a dataset folder: its images, then sentences.jsonl (which plans a retokenization).")
{
    public const string SentencesFileName = "sentences.jsonl";
    private const int ParallelUploads = 4;

    private readonly Argument<DirectoryInfo> _folder = new("DIR") { Description = "Dataset folder: sentences.jsonl and the images it names (paths relative to the folder)." };
    private readonly Option<string> _name = new("--name") { Description = "Dataset name on the platform (datasets/NAME/).", Required = true };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_folder);
        command.Options.Add(_name);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, IConsoleInteraction console, CancellationToken cancellationToken)
    {
        var folder = parse.GetValue(_folder)!.FullName;
        var name = parse.GetValue(_name)!;
        var sentencesPath = Path.Combine(folder, SentencesFileName);
        if (!File.Exists(sentencesPath))
            throw new UserInputException($"'{sentencesPath}' not found: a dataset folder holds a {SentencesFileName} listing its images.");
        var sentencesBytes = await File.ReadAllBytesAsync(sentencesPath, cancellationToken);
        var parsed = VisualSentenceParser.Parse(System.Text.Encoding.UTF8.GetString(sentencesBytes));
        if (parsed.Invalid.Count > 0)
            console.Info($"{parsed.Invalid.Count} line(s) of {SentencesFileName} are invalid (first: line {parsed.Invalid[0].LineNumber}, {parsed.Invalid[0].Error}); the platform skips them with their reasons.");

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
        var grant = await api.CreateDatasetUploadAsync(name, announced, cancellationToken);
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

        if (console.JsonOutput)
            console.WriteJson(new UploadAnswer(name, parsed.Sentences.Count, parsed.Invalid.Count, toUpload.Count, grant.Unchanged.Count, toUpload.Sum(i => new FileInfo(i.Local).Length)));
        else
            console.WriteLine(name);
        return ExitCodes.Success;
    }

    private sealed record UploadAnswer(string Dataset, int Sentences, int InvalidLines, int ImagesUploaded, int ImagesUnchanged, long Bytes);
}
