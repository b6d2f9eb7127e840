using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using LvmCloud.Core.Storage;
using LvmCloud.Vision.Pipelines;

namespace LvmCloud.Cli.Models;

/// <summary>
/// Registers a local model folder in the <c>models</c> container as <c>{name}/{version}/...</c>: every file of
/// <c>tokenizer/</c>, <c>transformer/</c> (and any other file beside them) through <see cref="ResumableBlockUpload"/>,
/// then, last, <c>lvm.json</c> with the pushed name and version. The platform lists and loads a model only once its
/// <c>lvm.json</c> exists, so a push that stops half way is never seen; running it again resumes. The
/// <see cref="IModelPushTarget"/> says how storage is reached: a connection string, or SAS URLs from the API.
/// </summary>
public sealed class ModelPusher(IModelPushTarget target, ResumableBlockUpload upload)
{
    /// <summary>How many times one file asks for fresh access after storage refused it (an expired SAS).</summary>
    public const int MaxRenewals = 2;

    /// <summary>Pushes straight into <paramref name="models"/> with the client's own storage credentials.</summary>
    public ModelPusher(BlobContainerClient models, ResumableBlockUpload upload)
        : this(new StoragePushTarget(models), upload)
    {
    }

    /// <summary>Pushes <paramref name="folder"/>; refuses a model version that is registered already.</summary>
    public async Task<ModelPushResult> PushAsync(string folder, string name, string version, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var settings = LvmModelSettings.Load(folder) with { Name = name, Version = version };
        var files = FilesOf(folder).Select(f => new ModelPushFile(f, new FileInfo(PathOf(folder, f)).Length)).ToList();
        await target.PrepareAsync(name, version, files, cancellationToken);

        var clock = Stopwatch.StartNew();
        var results = new Dictionary<string, BlockUploadResult>(StringComparer.Ordinal);
        var pushed = new List<ModelPushFile>(files.Count);
        long sent = 0;
        foreach (var file in files)
        {
            var path = PathOf(folder, file.Path);
            var sha256 = await BlobChecksums.Sha256Async(path, cancellationToken);
            var result = await UploadAsync(file.Path, path, sha256, progress, cancellationToken);
            results[file.Path] = result;
            pushed.Add(file with { Sha256 = sha256 });
            sent += result.BytesSent;
        }

        // The commit: written after every file is committed, it is what makes the model exist.
        await target.CommitAsync(settings, pushed, cancellationToken);
        return new ModelPushResult($"{name}/{version}", results, sent, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One file; storage refusing access (a SAS that expired mid-file) asks the target again and resumes.</summary>
    private async Task<BlockUploadResult> UploadAsync(string relative, string path, string sha256, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        for (int renewals = 0; ; renewals++)
        {
            var blob = await target.BlobAsync(relative, renew: renewals > 0, cancellationToken);
            try
            {
                return await upload.UploadAsync(blob, path, sha256, ContentTypes.For(relative), progress, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 403 && target.CanRenew && renewals < MaxRenewals)
            {
                // blocks staged so far stay; the next try sends only the rest
            }
        }
    }

    private static string PathOf(string folder, string relative) => Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));

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
