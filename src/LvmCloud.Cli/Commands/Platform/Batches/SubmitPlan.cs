using LvmCloud.Core.Manifests;

namespace LvmCloud.Cli.Commands.Platform.Batches;

/// <summary>
/// What <c>lvm submit</c> uploads: every image the manifest's valid lines reference (inputs and targets),
/// found under the images folder, as <c>inputs/{path}</c>; then the manifest itself. Lines the parser
/// rejects and images that are missing locally are reported but do not stop the submit: the platform
/// fails those items with their reasons and runs the rest.
/// </summary>
public sealed record SubmitPlan(
    string ManifestText,
    IReadOnlyList<SubmitFile> Images,
    IReadOnlyList<string> MissingImages,
    int ItemCount,
    IReadOnlyList<InvalidLine> Invalid)
{
    public const string InputsPrefix = "inputs/";
    public const string ManifestName = "manifest.jsonl";

    public static SubmitPlan Create(string manifestPath, string imagesDirectory)
    {
        if (!File.Exists(manifestPath))
            throw new FileNotFoundException($"Manifest '{manifestPath}' does not exist.", manifestPath);
        if (!Directory.Exists(imagesDirectory))
            throw new DirectoryNotFoundException($"Images folder '{imagesDirectory}' does not exist.");

        // Over the platform's limit the manifest would be refused unread: say so before reading or uploading anything.
        var limits = ManifestLimits.Default;
        var length = new FileInfo(manifestPath).Length;
        if (length > limits.MaxManifestBytes)
            throw new UserInputException($"Manifest '{manifestPath}' is {length} bytes, more than the limit of {limits.MaxManifestBytes} bytes; split the batch.");
        var text = BoundedText.ReadFile(manifestPath, limits.MaxManifestBytes);
        var parsed = BatchManifestParser.Parse(text);
        var images = new List<SubmitFile>();
        var missing = new List<string>();
        foreach (var path in parsed.Items.SelectMany(i => i.Input.Concat(i.Target)).Distinct(StringComparer.Ordinal))
        {
            var local = Path.Combine(imagesDirectory, path.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(local))
                images.Add(new SubmitFile(InputsPrefix + path, local, new FileInfo(local).Length));
            else
                missing.Add(path);
        }
        return new SubmitPlan(text, images, missing, parsed.Items.Count, parsed.Invalid);
    }

    /// <summary>The files announced to <c>POST /api/batches</c>: the images, then the manifest.</summary>
    public IReadOnlyList<string> AnnouncedFiles => [.. Images.Select(i => i.UploadPath), ManifestName];
}

/// <summary>A local file and the path it gets under <c>batches/{batchId}/</c>.</summary>
public sealed record SubmitFile(string UploadPath, string LocalPath, long Bytes);
