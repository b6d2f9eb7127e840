using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Models;

/// <summary>
/// Registers a local model folder in the <c>models</c> container as <c>{name}/{version}/...</c>: every file of
/// <c>tokenizer/</c>, <c>transformer/</c> (and any other file beside them) through <see cref="ResumableBlockUpload"/>,
/// then, last, <c>lvm.json</c> with the pushed name and version. The platform lists and loads a model only once its
/// <c>lvm.json</c> exists, so a push that stops half way is never seen; running it again resumes.
/// </summary>
public sealed class ModelPusher(BlobContainerClient models, ResumableBlockUpload upload)
{
    /// <summary>Pushes <paramref name="folder"/>; refuses a model version that is registered already.</summary>
    public async Task<ModelPushResult> PushAsync(string folder, string name, string version, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var settings = LvmModelSettings.Load(folder) with { Name = name, Version = version };
        var files = FilesOf(folder);
        string prefix = $"{name}/{version}/";
        if ((await models.GetBlobClient(prefix + LvmModelSettings.FileName).ExistsAsync(cancellationToken)).Value)
            throw new InvalidOperationException($"Model {name}/{version} is registered already ({prefix}{LvmModelSettings.FileName} exists); push it as another version.");
        await models.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

        var clock = Stopwatch.StartNew();
        var results = new Dictionary<string, BlockUploadResult>(StringComparer.Ordinal);
        long sent = 0;
        foreach (var relative in files)
        {
            var path = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
            var sha256 = await BlobChecksums.Sha256Async(path, cancellationToken);
            var blob = models.GetBlockBlobClient(prefix + relative);
            var result = await upload.UploadAsync(blob, path, sha256, ContentTypes.For(relative), progress, cancellationToken);
            results[relative] = result;
            sent += result.BytesSent;
        }

        // The commit: written after every file is committed, it is what makes the model exist.
        await models.GetBlobClient(prefix + LvmModelSettings.FileName).UploadAsync(
            BinaryData.FromString(JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true })), overwrite: true, cancellationToken);
        return new ModelPushResult($"{name}/{version}", results, sent, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The folder's files (relative, '/'), <c>lvm.json</c> left out; it must hold <c>tokenizer/</c> and <c>transformer/</c>.</summary>
    public static List<string> FilesOf(string folder)
    {
        if (!Directory.Exists(Path.Combine(folder, LvmModel.TokenizerFolder)) || !Directory.Exists(Path.Combine(folder, LvmModel.TransformerFolder)))
            throw new DirectoryNotFoundException($"'{folder}' is not a model folder: it must hold '{LvmModel.TokenizerFolder}/' and '{LvmModel.TransformerFolder}/' (lvm models import makes one).");
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => f != LvmModelSettings.FileName)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
