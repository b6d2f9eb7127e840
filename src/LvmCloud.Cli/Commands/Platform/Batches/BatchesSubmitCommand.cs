using System.CommandLine;
using Azure.Storage.Blobs;
using LvmCloud.Cli.Interaction;
using LvmCloud.Cli.Output;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary>
/// <c>lvm batches submit MANIFEST [--images DIR]</c>: creates a batch, uploads the referenced images with the returned
/// SAS URLs, then the manifest (the commit point), and prints the batch id. The files are announced in pages of at
/// most <c>--files-per-request</c> (the platform's per-request limit): the first creates the batch, the rest add to it
/// before the manifest goes up, so a batch of any size submits.
/// </summary>
public sealed class BatchesSubmitCommand(IPlatformApiClientFactory apis) : PlatformCommand(apis, "submit", "Submit a batch to the platform: upload its images, then its manifest; prints the batch id.")
{
    private const int ParallelUploads = 4;

    private readonly Argument<FileInfo> _manifest = new("MANIFEST") { Description = "The batch manifest (JSON Lines)." };
    private readonly Option<DirectoryInfo> _images = new("--images") { Description = "Folder the manifest's image paths are relative to (default: inputs/ beside the manifest)." };
    private readonly Option<int> _filesPerRequest = new("--files-per-request")
    {
        Description = $"Files announced per request (default {Datasets.DatasetsUploadCommand.FilesPerRequest}, the platform's limit; lower it for a platform configured lower).",
        DefaultValueFactory = _ => Datasets.DatasetsUploadCommand.FilesPerRequest,
        Hidden = true,
    };

    private readonly Option<string> _model = new("--model") { Description = "A registered model, NAME/VERSION (see 'lvm models list'; default: the platform's default model)." };

    protected override void ConfigureCommand(Command command)
    {
        command.Arguments.Add(_manifest);
        command.Options.Add(_images);
        command.Options.Add(_model);
        command.Options.Add(_filesPerRequest);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, PlatformApiClient api, CommandOutput console, CancellationToken cancellationToken)
    {
        var manifest = parse.GetValue(_manifest)!.FullName;
        var images = parse.GetValue(_images)?.FullName ?? Path.Combine(Path.GetDirectoryName(manifest)!, "inputs");
        var plan = SubmitPlan.Create(manifest, images);
        if (plan.Invalid.Count > 0)
            console.Info($"{CommandOutput.Count(plan.Invalid.Count, "manifest line")} {(plan.Invalid.Count == 1 ? "is" : "are")} invalid; the platform fails {(plan.Invalid.Count == 1 ? "it" : "them")} with these reasons:");
        foreach (var invalid in plan.Invalid)
            console.Info($"  line {invalid.LineNumber} ({invalid.ResultId}): [{invalid.Reason}] {invalid.Error}");
        foreach (var path in plan.MissingImages)
            console.Info($"Image '{path}' is not in the images folder; items using it will fail.");

        var perRequest = parse.GetValue(_filesPerRequest);
        if (perRequest < 1)
            throw new UserInputException($"--files-per-request must be at least 1, got {perRequest}.");
        // The manifest goes in the first page (it commits the batch, so its URL is needed whatever happens next).
        var pages = plan.AnnouncedFiles.OrderBy(f => f == SubmitPlan.ManifestName ? 0 : 1).Chunk(perRequest).ToList();
        var first = parse.GetValue(_model) is { Length: > 0 } model
            ? model.Split('/') is [{ Length: > 0 } name, { Length: > 0 } version]
                ? await api.CreateBatchAsync(pages[0], name, version, cancellationToken)
                : throw new UserInputException($"--model '{model}' is not NAME/VERSION.")
            : await api.CreateBatchAsync(pages[0], cancellationToken);
        var grant = await AnnounceRestAsync(api, first, pages.Skip(1), cancellationToken);
        console.Info($"Batch {grant.BatchId} created; uploading {plan.Images.Count} images, then the manifest.");

        await console.WithProgressAsync("upload", plan.Images.Count + 1, async progress =>
        {
            await Parallel.ForEachAsync(
                plan.Images,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
                async (file, ct) =>
                {
                    await using var stream = File.OpenRead(file.LocalPath);
                    await UploadUrl(grant, file.UploadPath).UploadAsync(stream, overwrite: true, ct);
                    progress.Advance(1);
                });
            await UploadUrl(grant, SubmitPlan.ManifestName).UploadAsync(BinaryData.FromString(plan.ManifestText), overwrite: true, cancellationToken);
            progress.Advance(1, "manifest");
            return true;
        });

        if (console.JsonOutput)
            console.WriteJson(new SubmitAnswer(grant.BatchId, plan.ItemCount, plan.Invalid.Count, plan.Images.Count, plan.Images.Sum(i => i.Bytes), plan.MissingImages));
        else
            console.WriteLine(grant.BatchId);
        return ExitCodes.Success;
    }

    /// <summary>Announces the batch's further pages (<c>POST /api/batches/{batchId}/uploads</c>, each answered on its own) and merges the grants.</summary>
    private static async Task<UploadGrant> AnnounceRestAsync(PlatformApiClient api, UploadGrant first, IEnumerable<string[]> pages, CancellationToken cancellationToken)
    {
        var uploads = new Dictionary<string, Uri>(first.Uploads, StringComparer.Ordinal);
        var expiresOn = first.ExpiresOn;
        foreach (var page in pages)
        {
            var grant = await api.AddBatchUploadsAsync(first.BatchId, page, cancellationToken);
            foreach (var (path, url) in grant.Uploads)
                uploads[path] = url;
            expiresOn = grant.ExpiresOn < expiresOn ? grant.ExpiresOn : expiresOn;
        }
        return new UploadGrant(first.BatchId, expiresOn, uploads);
    }

    private static BlobClient UploadUrl(UploadGrant grant, string path) =>
        grant.Uploads.TryGetValue(path, out var url)
            ? new BlobClient(url)
            : throw new InvalidOperationException($"The platform granted no upload URL for '{path}'.");

    private sealed record SubmitAnswer(string BatchId, int Items, int InvalidLines, int ImagesUploaded, long Bytes, IReadOnlyList<string> MissingImages);
}
